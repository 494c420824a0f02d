import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { openRoom, sendMessage, waitForMessage } from "../support/browser";
import { browserSuite } from "../support/browser-suite";
import { NodeChatClient } from "../support/ws-client";

const suite = browserSuite("conversation");
const { problems, newRoom } = suite;

const item = (page: Page, text: string) => page.getByRole("log").getByRole("listitem").filter({ hasText: text });

/** Sends and waits for the ack, waiting out the room's rate limit as the page's outbox does. */
async function post(client: NodeChatClient, frame: Record<string, unknown>): Promise<number> {
  const id = crypto.randomUUID();
  for (;;) {
    const from = client.frames.length;
    client.send({ ...frame, id });
    const answer = await client.until(
      () => client.frames.slice(from).find((f) => (f.type === "ack" || f.type === "error") && f.id === id),
      `an answer to ${id}`,
    );
    if (answer.type === "ack") return answer.seq;
    if (answer.type !== "error" || answer.code !== "rate_limited") throw new Error(JSON.stringify(answer));
    await new Promise((r) => setTimeout(r, answer.retryAfterMs ?? 500));
  }
}

/** `count` messages from several writers (each has its own write budget), in order of `text(i)`. */
async function fill(room: string, count: number): Promise<void> {
  const writers = await Promise.all(
    Array.from({ length: 10 }, (_, i) => NodeChatClient.connect(suite.server.url, room, `writer${i}`)),
  );
  await Promise.all(
    writers.map(async (writer, w) => {
      for (let i = w; i < count; i += writers.length) await post(writer, { type: "send", text: `filler ${i}` });
    }),
  );
  for (const writer of writers) writer.close();
}

/** Whether the element is inside the log's visible box. */
async function inView(page: Page, text: string): Promise<boolean> {
  return item(page, text)
    .first()
    .evaluate((element) => {
      const box = element.getBoundingClientRect();
      const log = document.getElementById("log-scroller")?.getBoundingClientRect();
      return log !== undefined && box.bottom > log.top && box.top < log.bottom;
    });
}

describe("the conversation on the page", () => {
  it("shows a fenced code block in monospace, scrolling inside itself, never widening a 360 px page", async () => {
    const room = newRoom();
    const { page } = await suite.person("alice", { viewport: { width: 360, height: 640 } });
    await openRoom(page, suite.server.url, room, "Alice");
    const long = `const veryLongName = ${"someFunctionCall(argument) + ".repeat(8)}1;`;
    await sendMessage(page, `Try this:\n\`\`\`\n${long}\n\`\`\`\nand **tell** me, *please*: \`npm test\``);
    await waitForMessage(page, "npm test");
    const message = item(page, "npm test");
    const block = message.locator("pre.code-block");
    expect(await block.textContent()).toBe(long);
    const style = await block.evaluate((e) => {
      const s = getComputedStyle(e);
      return { font: s.fontFamily, overflowX: s.overflowX, scrolls: e.scrollWidth > e.clientWidth };
    });
    expect(style.font).toMatch(/mono/i);
    expect(style.overflowX).toBe("auto");
    expect(style.scrolls).toBe(true);
    const box = await block.boundingBox();
    expect((box?.x ?? -1) + (box?.width ?? 999)).toBeLessThanOrEqual(360);
    const pageWidth = await page.evaluate(() => [
      document.documentElement.scrollWidth,
      document.documentElement.clientWidth,
    ]);
    expect(pageWidth[0]).toBe(pageWidth[1]);
    expect(await message.locator("strong").textContent()).toBe("tell");
    expect(await message.locator("em").textContent()).toBe("please");
    expect(await message.locator("code.code").textContent()).toBe("npm test");
    expect(problems.take()).toEqual([]);
  });

  it("reacts and un-reacts, seen by another page, with who reacted on hover and for screen readers", async () => {
    const room = newRoom();
    const { page: alice } = await suite.person("alice");
    await openRoom(alice, suite.server.url, room, "Alice");
    const { page: bob } = await suite.person("bob");
    await openRoom(bob, suite.server.url, room, "Bob");
    await sendMessage(alice, "Pizza on Friday?");
    await waitForMessage(bob, "Pizza on Friday?");
    await item(bob, "Pizza on Friday?")
      .getByRole("button", { name: /^React to .+ message$/ })
      .click();
    // The picker takes the focus, so the keyboard reaches it.
    const first = item(bob, "Pizza on Friday?").getByRole("button", { name: "React with 👍" });
    expect(await first.evaluate((e) => e === document.activeElement)).toBe(true);
    await bob.keyboard.press("Tab");
    await bob.keyboard.press("Enter");
    const seen = item(alice, "Pizza on Friday?").locator(".reaction");
    await seen.waitFor();
    expect(await seen.textContent()).toBe("❤️ 1");
    expect(await seen.getAttribute("title")).toBe("Bob");
    expect(await seen.getAttribute("aria-label")).toContain("Bob");
    expect(await seen.getAttribute("aria-pressed")).toBe("false");
    // Alice adds hers to the same one; Bob takes his off.
    await seen.click();
    await item(bob, "Pizza on Friday?").getByRole("button", { name: /❤️ 2/ }).waitFor();
    await item(bob, "Pizza on Friday?").getByRole("button", { name: /❤️ 2/ }).click();
    await item(alice, "Pizza on Friday?")
      .getByRole("button", { name: /❤️ 1: Alice/ })
      .waitFor();
    await seen.click();
    await item(bob, "Pizza on Friday?").locator(".reaction").waitFor({ state: "detached" });
    expect(problems.take()).toEqual([]);
  });

  it("replies with a quote of the author and first line; the quote brings the original into view, from earlier history", async () => {
    const room = newRoom();
    const { page: alice } = await suite.person("alice");
    await openRoom(alice, suite.server.url, room, "Alice");
    const { page: bob } = await suite.person("bob");
    await openRoom(bob, suite.server.url, room, "Bob");
    await sendMessage(alice, "Where do we meet?\nSecond line, not quoted");
    await item(bob, "Second line, not quoted").waitFor();
    await item(bob, "Second line")
      .getByRole("button", { name: /^Reply to .+ message$/ })
      .click();
    await bob.getByText("Replying to Alice").waitFor();
    await sendMessage(bob, "At the station");
    const reply = item(alice, "At the station");
    await reply.waitFor();
    const quote = reply.locator(".quote");
    expect(await quote.locator(".quote-author").textContent()).toBe("Alice");
    expect(await quote.locator(".quote-text").textContent()).toBe("Where do we meet?");
    expect(await bob.getByText("Replying to Alice").count()).toBe(0);

    // 150 later messages and a reply to the first: a fresh page has only the latest 100.
    await fill(room, 150);
    const writer = await NodeChatClient.connect(suite.server.url, room, "writer0");
    // Alice's question was the room's first event.
    await post(writer, { type: "send", text: "Replying from afar", replyTo: 1 });
    writer.close();
    const { page: carol } = await suite.person("carol");
    await openRoom(carol, suite.server.url, room, "Carol");
    await waitForMessage(carol, "Replying from afar");
    expect(await item(carol, "Where do we meet?").count()).toBe(0);
    await item(carol, "Replying from afar").locator(".quote").click();
    await item(carol, "Second line, not quoted").waitFor();
    await expect.poll(() => inView(carol, "Second line, not quoted")).toBe(true);
    expect(await item(carol, "Replying from afar").locator(".quote-author").textContent()).toBe("Alice");

    // The original deleted: the quote says so.
    await item(alice, "Second line").getByRole("button", { name: "Delete your message" }).click();
    await alice.getByRole("dialog", { name: "Delete this message?" }).getByRole("button", { name: "Confirm" }).click();
    await expect.poll(() => item(bob, "At the station").locator(".quote-text").textContent()).toBe("Message deleted");
    expect(problems.take()).toEqual([]);
  });

  it("searches: finds a message from 300 back and brings it into view", async () => {
    const room = newRoom();
    const { page: alice } = await suite.person("alice");
    await openRoom(alice, suite.server.url, room, "Alice");
    await sendMessage(alice, "The Café password is *swordfish*");
    await waitForMessage(alice, "swordfish");
    await fill(room, 300);
    const { page: bob } = await suite.person("bob");
    await openRoom(bob, suite.server.url, room, "Bob");
    await waitForMessage(bob, "filler 299");
    expect(await item(bob, "swordfish").count()).toBe(0);
    await bob.getByLabel("Search messages").fill("cafe SWORD");
    await bob.getByRole("button", { name: "Search", exact: true }).click();
    const results = bob.getByRole("list", { name: "Search results" }).getByRole("button");
    await results.first().waitFor();
    expect(await results.count()).toBe(1);
    await results.first().click();
    await item(bob, "swordfish").waitFor();
    await expect.poll(() => inView(bob, "swordfish")).toBe(true);

    // 300 match "filler": 50 at a time, newest first, earlier ones on asking.
    await bob.getByLabel("Search messages").fill("filler");
    await bob.getByRole("button", { name: "Search", exact: true }).click();
    const found = bob.locator("#search-results .result");
    await expect.poll(() => found.count()).toBe(50);
    await bob.getByRole("button", { name: "Earlier results" }).click();
    await expect.poll(() => found.count()).toBe(100);
    // Writers send side by side, so which filler is newest varies: a hundred different ones, none twice.
    const texts = await found.allTextContents();
    expect(new Set(texts).size).toBe(100);
    expect(texts.every((t) => /filler \d+$/.test(t))).toBe(true);
    expect(problems.take()).toEqual([]);
  });
});
