import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { openRoom, screenshot, sendMessage, WAIT_MS, waitForMessage, waitForStatus } from "../support/browser";
import { browserSuite } from "../support/browser-suite";

const suite = browserSuite("mod");
const { problems, newRoom } = suite;
const person = (label: string) => suite.person(label);

/** Counts the sockets a page opens to the room. */
function countSockets(page: Page): () => number {
  let opened = 0;
  page.on("websocket", (ws) => {
    if (ws.url().includes("/api/rooms/")) opened++;
  });
  return () => opened;
}

const onlineEntry = (page: Page, name: string) =>
  page.getByRole("list", { name: "Online" }).getByRole("listitem").filter({ hasText: name });

describe("moderation on the page", () => {
  it("lets the owner ban someone, who is told so in words and cannot get back in", async () => {
    const room = newRoom();
    // The first to join owns the room.
    const alice = await openRoom((await person("alice")).page, suite.server.url, room, "Alice");
    const { context: malloryContext, page: mallory } = await person("mallory");
    const malloryPage = await openRoom(mallory, suite.server.url, room, "Mallory");
    await sendMessage(malloryPage, "spam spam spam");
    await waitForMessage(alice, "spam spam spam");

    // Only the owner sees Kick and Ban, and never on herself.
    expect(await onlineEntry(alice, "Alice").getByRole("button").count()).toBe(0);
    expect(await onlineEntry(mallory, "Alice").getByRole("button").count()).toBe(0);
    expect(await mallory.getByRole("button", { name: "Ban" }).count()).toBe(0);

    const sockets = countSockets(mallory);
    await onlineEntry(alice, "Mallory").getByRole("button", { name: "Ban Mallory", exact: true }).click();
    const dialog = alice.getByRole("dialog", { name: "Ban Mallory?" });
    await dialog.getByLabel("Ban for").selectOption({ label: "Until unbanned" });
    await screenshot(alice, "moderation-ban-dialog");
    await dialog.getByRole("button", { name: "Confirm" }).click();

    // Everyone sees what happened, in the log.
    await alice.getByRole("log").getByText("Mallory was banned by Alice").waitFor();
    // Mallory is told in words, and the page stops trying.
    await mallory.getByText("You were banned from this room by Alice.").waitFor();
    await waitForStatus(mallory, "Banned");
    // Nothing typed now could ever be sent: the message box is closed.
    expect(await mallory.getByLabel("Message", { exact: true }).isDisabled()).toBe(true);
    await screenshot(mallory, "moderation-banned");
    await mallory.waitForTimeout(3_000);
    expect(sockets()).toBe(0);
    await expect.poll(() => onlineEntry(alice, "Mallory").count(), { timeout: WAIT_MS }).toBe(0);

    // Coming back, even under another name, is refused and said so.
    await mallory.reload();
    await waitForStatus(mallory, "Banned");
    await mallory.getByText("You are banned from this room.").waitFor();
    const again = problems.watch(await malloryContext.newPage(), "mallory-again");
    await again.goto(`${suite.server.url}/${room}?name=Eve`);
    await again.getByLabel("Your name").fill("Eve");
    await again.getByRole("button", { name: "Enter", exact: true }).click();
    await waitForStatus(again, "Banned");
    await again.getByText("You are banned from this room.").waitFor();
    expect(await again.getByText("You cannot come back unless a moderator lifts the ban.").isVisible()).toBe(true);
    expect(problems.take()).toEqual([]);
  });

  it("lets the owner remove someone, who may rejoin with a button", async () => {
    const room = newRoom();
    const alice = await openRoom((await person("alice")).page, suite.server.url, room, "Alice");
    const bob = await openRoom((await person("bob")).page, suite.server.url, room, "Bob");
    const sockets = countSockets(bob);

    await onlineEntry(alice, "Bob").getByRole("button", { name: "Kick Bob", exact: true }).click();
    const dialog = alice.getByRole("dialog", { name: "Remove Bob?" });
    // Changing her mind sends nothing.
    await dialog.getByRole("button", { name: "Cancel" }).click();
    await alice.waitForTimeout(500);
    await waitForStatus(bob, "Connected");

    await onlineEntry(alice, "Bob").getByRole("button", { name: "Kick Bob", exact: true }).click();
    await dialog.getByRole("button", { name: "Confirm" }).click();
    await alice.getByRole("log").getByText("Bob was removed by Alice").waitFor();
    await bob.getByText("You were removed from this room by Alice.").waitFor();
    await waitForStatus(bob, "Removed from this room");
    await bob.waitForTimeout(2_000);
    expect(sockets()).toBe(0);

    await bob.getByRole("button", { name: "Rejoin" }).click();
    await waitForStatus(bob, "Connected");
    expect(await bob.getByText("You were removed from this room by Alice.").isVisible()).toBe(false);
    await sendMessage(bob, "I am back");
    await waitForMessage(alice, "I am back");
    expect(problems.take()).toEqual([]);
  });
});
