import type { Page, WebSocketRoute } from "playwright-core";
import { describe, expect, it } from "vitest";
import { confirmName, openRoom, sendMessage, WAIT_MS, waitForMessage, waitForStatus } from "../support/browser";
import { browserSuite } from "../support/browser-suite";

const suite = browserSuite("presence");
const { problems, newRoom } = suite;

const person = (label: string, options?: Parameters<typeof suite.person>[1]) => suite.person(label, options);

const presenceLines = (page: Page) => page.getByRole("log").locator(".presence").allTextContents();

describe("presence that tells the truth", () => {
  it("collapses people coming and going into one line each way", async () => {
    const room = newRoom();
    const { page: alice } = await person("alice");
    await openRoom(alice, suite.server.url, room, "Alice");

    const names = ["Ann", "Bo", "Cy", "Di", "Ed", "Flo", "Gus"];
    const crowd = await Promise.all(names.map(async (name) => (await person(name)).context));
    const pages = await Promise.all(crowd.map((c) => c.newPage()));
    await Promise.all(
      pages.map((p, i) => openRoom(problems.watch(p, names[i] ?? ""), suite.server.url, room, names[i] ?? "")),
    );
    // One line, growing as they arrive, not seven.
    await expect
      .poll(async () => (await presenceLines(alice)).join(" | "), { timeout: WAIT_MS })
      .toMatch(/^\w+, \w+ and 5 others joined$/);
    await expect.poll(() => alice.locator(".people-title").textContent(), { timeout: WAIT_MS }).toBe("Online 8");

    // A reload is not leaving: nobody hears about it.
    await pages[0]?.reload();
    await waitForStatus(pages[0] as Page, "Connected");

    await Promise.all(crowd.map((c) => c.close()));
    await expect
      .poll(async () => (await presenceLines(alice)).join(" | "), { timeout: WAIT_MS })
      .toMatch(/^\w+, \w+ and 5 others joined \| \w+, \w+ and 5 others left$/);
    expect(problems.take()).toEqual([]);
  });

  it("reads new messages to screen readers one at a time, and not the history on joining", async () => {
    const room = newRoom();
    const { page: alice } = await person("alice");
    await openRoom(alice, suite.server.url, room, "Alice");
    for (const text of ["old one", "old two", "old three"]) await sendMessage(alice, text);
    await alice.getByRole("log").getByRole("listitem").filter({ hasText: "old three" }).getByText("Sent").waitFor();

    const { page: bob } = await person("bob");
    await openRoom(bob, suite.server.url, room, "Bob");
    await waitForMessage(bob, "old three");
    // The log is not a live region (it would read all of the history); a polite one speaks instead.
    expect(await bob.getByRole("log").getAttribute("aria-live")).toBe("off");
    const announcer = bob.locator("[aria-live='polite']#announcer");
    expect(await announcer.textContent()).toBe("");

    await sendMessage(alice, "fresh news");
    await expect.poll(() => announcer.textContent(), { timeout: WAIT_MS }).toBe("Alice: fresh news");
    await sendMessage(alice, "and more");
    // One at a time: the second waits its turn, then replaces the first.
    await expect.poll(() => announcer.textContent(), { timeout: WAIT_MS }).toBe("Alice: and more");
    expect(problems.take()).toEqual([]);
  });
});

describe("presence in a room of more than 500", () => {
  it("shows the room's count, keeps the names it was given, and writes no join or leave lines", async () => {
    // A stand-in room (Playwright's WebSocket routing): 500 sockets of real people are not needed to show the page.
    const { page } = await person("alice");
    const sockets: WebSocketRoute[] = [];
    await page.routeWebSocket(
      (url) => url.pathname.endsWith("/ws"),
      (ws) => {
        sockets.push(ws);
        ws.onMessage((message) => {
          if (message === "ping") ws.send("pong");
        });
      },
    );
    const room = `big-${crypto.randomUUID()}`;
    const welcome = (online: string[], onlineCount: number) =>
      JSON.stringify({
        type: "welcome",
        room,
        name: "Alice",
        online,
        onlineCount,
        history: [],
        lastSeq: 0,
        more: false,
        role: "member",
        moderators: [],
        slowSeconds: 0,
        locked: false,
      });
    await page.goto(`${suite.server.url}/${room}?name=Alice`);
    await confirmName(page);
    await expect.poll(() => sockets.length, { timeout: WAIT_MS }).toBe(1);
    sockets[0]?.send(welcome(["Bob", "Cy", "Di"], 600));
    await waitForStatus(page, "Connected");
    const title = () => page.locator(".people-title").textContent();
    const listed = () => page.getByRole("list", { name: "Online" }).getByRole("listitem").allTextContents();
    await expect.poll(title, { timeout: WAIT_MS }).toBe("Online 600");
    // The room listed some (Alice not among them): she is shown, then the rest are counted.
    expect(await listed()).toEqual(["Alice", "Bob", "Cy", "Di", "and 596 more"]);

    sockets[0]?.send(JSON.stringify({ type: "presence", event: "count", onlineCount: 612 }));
    await expect.poll(title, { timeout: WAIT_MS }).toBe("Online 612");
    expect(await listed()).toEqual(["Alice", "Bob", "Cy", "Di", "and 608 more"]);

    // A reconnect lists others (who spoke since): they were there, unlisted, and did not just join.
    sockets[0]?.close();
    await expect.poll(() => sockets.length, { timeout: WAIT_MS }).toBe(2);
    sockets[1]?.send(welcome(["Eve", "Bob"], 605));
    await expect.poll(title, { timeout: WAIT_MS }).toBe("Online 605");
    expect(await listed()).toEqual(["Alice", "Eve", "Bob", "and 602 more"]);
    await page.waitForTimeout(2_500); // longer than a join takes to settle into a line
    expect(await presenceLines(page)).toEqual([]);
    expect(problems.take()).toEqual([]);
  });
});
