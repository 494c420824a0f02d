import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { openRoom, sendMessage, WAIT_MS, waitForMessage, waitForStatus } from "../support/browser";
import { browserSuite } from "../support/browser-suite";

const suite = browserSuite("order");
const { problems, newRoom } = suite;

const person = (label: string, options?: Parameters<typeof suite.person>[1]) => suite.person(label, options);

const texts = (page: Page) => page.getByRole("log").locator(".message .text").allTextContents();

/** Counts `rate_limited` refusals the room sent this page. */
function countRefusals(page: Page): () => number {
  let refused = 0;
  page.on("websocket", (ws) =>
    ws.on("framereceived", ({ payload }) => {
      if (typeof payload === "string") refused += payload.split('"rate_limited"').length - 1;
    }),
  );
  return () => refused;
}

describe("one order for everyone", () => {
  it("delivers 12 quick sends in the order written, for everyone, even when the room rate-limits some", async () => {
    const room = newRoom();
    const { page: alice } = await person("alice");
    const refusals = countRefusals(alice);
    await openRoom(alice, suite.server.url, room, "Alice");
    const { page: bob } = await person("bob");
    await openRoom(bob, suite.server.url, room, "Bob");

    const box = alice.getByLabel("Message", { exact: true });
    const written = Array.from({ length: 12 }, (_, i) => `quick ${i + 1}`);
    // As fast as a person can hit Enter: faster than the room's 3 frames a second allow.
    for (const text of written) {
      await box.fill(text);
      await box.press("Enter");
    }
    await waitForMessage(bob, "quick 12");
    await expect.poll(() => texts(bob), { timeout: WAIT_MS }).toEqual(written);
    // Alice's own copies are all stored, in the same order.
    await expect
      .poll(() => alice.getByRole("log").locator(".message.mine[data-state='sent']").count(), { timeout: WAIT_MS })
      .toBe(12);
    expect(await texts(alice)).toEqual(written);
    // The room did refuse some for the rate limit: the order held anyway.
    expect(refusals()).toBeGreaterThan(0);

    // The room stored that order: a newcomer's history is the same.
    const { page: carol } = await person("carol");
    await openRoom(carol, suite.server.url, room, "Carol");
    await waitForMessage(carol, "quick 12");
    expect(await texts(carol)).toEqual(written);
    expect(problems.take()).toEqual([]);
  });

  it("puts messages sent offline after what others posted meanwhile, on every page, without a reload", async () => {
    const room = newRoom();
    const { context: aliceContext, page: alice } = await person("alice");
    await openRoom(alice, suite.server.url, room, "Alice");
    const { page: bob } = await person("bob");
    await openRoom(bob, suite.server.url, room, "Bob");
    await sendMessage(alice, "before");
    await waitForMessage(bob, "before");

    await aliceContext.setOffline(true);
    await waitForStatus(alice, "Offline");
    await sendMessage(alice, "offline one");
    await sendMessage(alice, "offline two");
    const pending = alice.getByRole("log").locator(".message.mine[data-state='pending']");
    await expect.poll(() => pending.count()).toBe(2);
    await sendMessage(bob, "Bob meanwhile");
    await bob
      .getByRole("log")
      .locator(".message.mine[data-state='sent']")
      .filter({ hasText: "Bob meanwhile" })
      .waitFor();

    await aliceContext.setOffline(false);
    await waitForStatus(alice, "Connected");
    await waitForMessage(bob, "offline two");
    const roomOrder = ["before", "Bob meanwhile", "offline one", "offline two"];
    await expect.poll(() => texts(bob), { timeout: WAIT_MS }).toEqual(roomOrder);
    // Alice's page moves hers below Bob's once the room has placed them.
    await expect.poll(() => texts(alice), { timeout: WAIT_MS }).toEqual(roomOrder);
    await expect.poll(() => pending.count()).toBe(0);

    const { page: carol } = await person("carol");
    await openRoom(carol, suite.server.url, room, "Carol");
    await waitForMessage(carol, "offline two");
    expect(await texts(carol)).toEqual(roomOrder);
    expect(problems.take().filter((p) => !/WebSocket connection to .* failed/.test(p))).toEqual([]);
  });
});
