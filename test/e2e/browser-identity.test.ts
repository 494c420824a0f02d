import type { Browser, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  launchChromium,
  newPerson,
  openRoom,
  PageProblems,
  screenshot,
  sendMessage,
  WAIT_MS,
  waitForMessage,
  waitForStatus,
} from "../support/browser";
import { type DevServer, startDevServer } from "../support/dev-server";
import { NodeChatClient } from "../support/ws-client";

// Names belong to people: a taken name is refused and said so, a name can be
// changed, a link's name is only a suggestion, and a refused connection says why.

let browser: Browser;
const problems = new PageProblems();
const contexts: { close: () => Promise<void> }[] = [];

beforeAll(async () => {
  browser = await launchChromium();
});
afterEach(async () => {
  await Promise.all(contexts.splice(0).map((c) => c.close()));
});
afterAll(async () => {
  await browser?.close();
});

const newRoom = () => `id-${crypto.randomUUID()}`;

async function person(label: string): Promise<Page> {
  const { context, page } = await newPerson(browser, problems, label);
  contexts.push(context);
  return page;
}

const nameDialog = (page: Page) => page.getByRole("dialog", { name: "Pick a name" });
// The names only: the owner's and moderators' items also hold a badge.
const onlineNames = (page: Page) => page.getByRole("list", { name: "Online" }).locator(".person").allTextContents();
const box = (page: Page) => page.getByLabel("Message", { exact: true });
// What the browser itself logs when an upgrade or the GET that asks why is refused.
const REFUSAL_NOISE =
  /console error: (WebSocket connection to .* failed|Failed to load resource: the server responded with a status of 4\d\d)/;

describe("names on the page", () => {
  let server: DevServer;
  beforeAll(async () => {
    server = await startDevServer();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("only suggests a name from the link: the person confirms it", async () => {
    const room = newRoom();
    const alice = await person("alice");
    const sockets: string[] = [];
    alice.on("websocket", (ws) => sockets.push(ws.url()));
    await alice.goto(`${server.url}/${room}?name=Mallory`);
    await waitForStatus(alice, "Pick a name to join");
    expect(await alice.getByLabel("Your name").inputValue()).toBe("Mallory");
    await alice.waitForTimeout(500);
    expect(sockets).toEqual([]);
    await alice.getByLabel("Your name").fill("Alice");
    await alice.getByRole("button", { name: "Enter", exact: true }).click();
    await waitForStatus(alice, "Connected");
    expect(await onlineNames(alice)).toEqual(["Alice"]);
    // The suggestion is gone from the address: a reload joins as the name chosen.
    expect(new URL(alice.url()).searchParams.has("name")).toBe(false);
    await alice.reload();
    await waitForStatus(alice, "Connected");
    expect(await onlineNames(alice)).toEqual(["Alice"]);
    expect(problems.take()).toEqual([]);
  });

  it("tells a second person their name is taken, and keeps their draft and unsent messages while they pick another", async () => {
    const room = newRoom();
    const carol = await openRoom(await person("carol"), server.url, room, "Sam");

    // Dave went by "sam" elsewhere; this browser remembers it, so it tries it here.
    const dave = await openRoom(await person("dave"), server.url, newRoom(), "sam");
    await dave.evaluate((r) => {
      localStorage.setItem(`parley:draft:${r}`, "a draft in progress");
      localStorage.setItem(
        `parley:outbox:${r}`,
        JSON.stringify([{ id: "queued-1", text: "written offline", ts: Date.now(), state: "pending" }]),
      );
    }, room);
    await dave.goto(`${server.url}/${room}`);
    await nameDialog(dave).getByText("Someone else in this room goes by “sam”").waitFor();
    await waitForStatus(dave, "pick another name");
    await screenshot(dave, "identity-name-taken");
    expect(await box(dave).inputValue()).toBe("a draft in progress");
    await dave.getByRole("log").getByText("written offline").waitFor();

    await dave.getByLabel("Your name").fill("Dave");
    await dave.getByRole("button", { name: "Enter", exact: true }).click();
    await waitForStatus(dave, "Connected");
    await waitForMessage(carol, "written offline");
    expect(await box(dave).inputValue()).toBe("a draft in progress");
    await expect.poll(() => onlineNames(carol), { timeout: WAIT_MS }).toEqual(["Sam", "Dave"]);
    expect(await dave.evaluate(() => localStorage.getItem("parley:name"))).toBe("Dave");
    expect(problems.take()).toEqual([]);
  });

  it("changes a name with Change name, and keeps the old one when the new one is taken", async () => {
    const room = newRoom();
    const alice = await openRoom(await person("alice"), server.url, room, "Alice");
    const bob = await openRoom(await person("bob"), server.url, room, "Bob");
    await sendMessage(alice, "before the change");
    await waitForMessage(bob, "before the change");

    await alice.getByRole("button", { name: "Change name" }).click();
    expect(await alice.getByLabel("Your name").inputValue()).toBe("Alice");
    await alice.getByLabel("Your name").fill("Alicia");
    await alice.getByRole("button", { name: "Enter", exact: true }).click();
    await waitForStatus(alice, "Connected");
    await expect.poll(() => onlineNames(bob), { timeout: WAIT_MS }).toEqual(["Bob", "Alicia"]);
    // Others are told in one line, not that Alice left and Alicia joined.
    await bob.getByRole("log").getByText("Alice is now Alicia", { exact: true }).waitFor();
    expect(await bob.getByRole("log").getByText("Alice left").count()).toBe(0);
    expect(await alice.locator("#online li.me .person").textContent()).toBe("Alicia");
    await sendMessage(alice, "after the change");
    await waitForMessage(bob, "after the change");
    const fromAlicia = bob.getByRole("log").getByRole("listitem").filter({ hasText: "after the change" });
    expect(await fromAlicia.locator(".sender").textContent()).toBe("Alicia");
    // What she wrote before is still hers to edit.
    const before = alice.getByRole("log").getByRole("listitem").filter({ hasText: "before the change" });
    await before.getByRole("button", { name: "Edit your message", exact: true }).waitFor();

    // Bob's name is his: she is told, and stays Alicia.
    await alice.getByRole("button", { name: "Change name" }).click();
    await alice.getByLabel("Your name").fill("BOB");
    await alice.getByRole("button", { name: "Enter", exact: true }).click();
    await nameDialog(alice).getByText("Someone else in this room goes by “BOB”").waitFor();
    await waitForStatus(alice, "Connected");
    await nameDialog(alice).getByRole("button", { name: "Cancel" }).click();
    expect(await alice.locator("#online li.me .person").textContent()).toBe("Alicia");
    await sendMessage(alice, "still Alicia");
    await waitForMessage(bob, "still Alicia");
    await alice.reload();
    await waitForStatus(alice, "Connected");
    expect(await alice.locator("#online li.me .person").textContent()).toBe("Alicia");
    expect(problems.take()).toEqual([]);
  });

  it("says why the room refused a name at the door (asking the socket URL), and takes another", async () => {
    const room = newRoom();
    const alice = await person("alice");
    await alice.goto(`${server.url}/${room}`);
    // A zero-width space: the page cannot see it, the worker refuses it before any socket opens.
    await alice.getByLabel("Your name").fill("Al\u200bice");
    await alice.getByRole("button", { name: "Enter", exact: true }).click();
    await nameDialog(alice).getByText("That name can't be used").waitFor();
    await waitForStatus(alice, "pick another name");
    await alice.getByLabel("Your name").fill("Alice");
    await alice.getByRole("button", { name: "Enter", exact: true }).click();
    await waitForStatus(alice, "Connected");
    expect(problems.take().filter((p) => !REFUSAL_NOISE.test(p))).toEqual([]);
  });
});

describe("a room that refuses a connection", () => {
  let server: DevServer;
  beforeAll(async () => {
    server = await startDevServer({ vars: { ROOM_SOCKETS_PER_ADDRESS: "1" } });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("says that the network holds too many connections, keeps trying, and gets in when one closes", async () => {
    const room = newRoom();
    const other = await NodeChatClient.connect(server.url, room, "Other");
    const alice = await person("alice");
    const sockets: string[] = [];
    alice.on("websocket", (ws) => sockets.push(ws.url()));
    await alice.goto(`${server.url}/${room}`);
    await alice.getByLabel("Your name").fill("Alice");
    await alice.getByRole("button", { name: "Enter", exact: true }).click();
    await waitForStatus(alice, "Too many connections from your network");
    await alice.getByText("Too many people from your network are connected to this room.").waitFor();
    await screenshot(alice, "identity-too-many-connections");
    // It waits before asking again, rather than hammering the room.
    await alice.waitForTimeout(3_000);
    expect(sockets).toHaveLength(1);

    other.close();
    // A refused page waits 5-30 s between tries.
    await alice.getByRole("status").filter({ hasText: "Connected" }).waitFor({ timeout: 35_000 });
    expect(await alice.getByText("Too many people from your network").isVisible()).toBe(false);
    expect(problems.take()).toEqual([]);
  }, 60_000);
});
