import { copyFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { openRoom, screenshot, sendMessage, waitForMessage, waitForStatus } from "../support/browser";
import { browserSuite } from "../support/browser-suite";
import { ROOT } from "../support/dev-server";

const suite = browserSuite("tools");
const { problems, newRoom } = suite;
const person = (label: string) => suite.person(label);

const onlineEntry = (page: Page, name: string) =>
  page.getByRole("list", { name: "Online" }).getByRole("listitem").filter({ hasText: name });
const logItem = (page: Page, text: string) => page.getByRole("log").getByRole("listitem").filter({ hasText: text });

/** Screenshots shown in the README are kept in docs/screenshots/. */
async function keepScreenshot(page: Page, name: string): Promise<void> {
  const made = await screenshot(page, name);
  const dir = join(ROOT, "docs/screenshots");
  mkdirSync(dir, { recursive: true });
  copyFileSync(made, join(dir, `${name}.png`));
}

describe("running a room from the page", () => {
  it("shows badges, lets the owner appoint a moderator, ban for an hour and unban from the Bans panel", async () => {
    const room = newRoom();
    const alice = await openRoom((await person("alice")).page, suite.server.url, room, "Alice");
    const bob = await openRoom((await person("bob")).page, suite.server.url, room, "Bob");
    const mallory = await openRoom((await person("mallory")).page, suite.server.url, room, "Mallory");

    // Everyone sees who owns the room, in the Online list and on her messages.
    await onlineEntry(bob, "Alice").getByText("owner", { exact: true }).waitFor();
    await sendMessage(alice, "Welcome, all");
    await logItem(bob, "Welcome, all").getByText("owner", { exact: true }).waitFor();
    // Members have no room tools.
    expect(await bob.getByText("Room tools").isVisible()).toBe(false);

    await onlineEntry(alice, "Bob").getByRole("button", { name: "Make Bob a moderator", exact: true }).click();
    await alice.getByRole("log").getByText("Alice made Bob a moderator").waitFor();
    await onlineEntry(mallory, "Bob").getByText("moderator", { exact: true }).waitFor();
    await bob.getByText("Room tools").waitFor();

    await onlineEntry(alice, "Mallory").getByRole("button", { name: "Ban Mallory", exact: true }).click();
    const dialog = alice.getByRole("dialog", { name: "Ban Mallory?" });
    await dialog.getByLabel("Ban for").selectOption({ label: "1 hour" });
    await dialog.getByRole("button", { name: "Confirm" }).click();
    await bob.getByRole("log").getByText("Mallory was banned for 1 hour by Alice").waitFor();
    // The banned person is told how long, and when it ends.
    await mallory
      .getByText(/You were banned from this room by Alice for 60 minutes\. The ban ends .+; you can come back then\./)
      .waitFor();

    await alice.getByText("Room tools").click();
    const bans = alice.getByRole("list", { name: "Bans" });
    await bans.getByText("Mallory").waitFor();
    await keepScreenshot(alice, "moderation-tools-desktop");
    // At 360 px the Online strip says how many, and opens as a sheet with everyone and the tools.
    await alice.setViewportSize({ width: 360, height: 740 });
    const showAll = alice.getByRole("button", { name: "Show all" });
    expect(await alice.getByText("Room tools").isVisible()).toBe(false);
    await showAll.click();
    await alice.getByText("Room tools").waitFor();
    await bans.getByRole("button", { name: "Unban Mallory", exact: true }).waitFor();
    await keepScreenshot(alice, "moderation-tools-360");
    await alice.getByRole("button", { name: "Close", exact: true }).click();
    await alice.setViewportSize({ width: 1100, height: 760 });

    await bans.getByRole("button", { name: "Unban Mallory", exact: true }).click();
    await bob.getByRole("log").getByText("Mallory was unbanned by Alice").waitFor();
    await bans.getByText("Nobody is banned.").waitFor();
    // Mallory may come back.
    await mallory.reload();
    await waitForStatus(mallory, "Connected");
    expect(problems.take()).toEqual([]);
  });

  it("shows slow mode to a member, whose fast message waits; a locked room refuses a newcomer in words", async () => {
    const room = newRoom();
    const alice = await openRoom((await person("alice")).page, suite.server.url, room, "Alice");
    const bob = await openRoom((await person("bob")).page, suite.server.url, room, "Bob");

    await alice.getByText("Room tools").click();
    await alice.getByLabel("Slow mode").selectOption({ label: "One message every 30 seconds" });
    await bob.getByText("Slow mode is on: one message every 30 seconds each.").waitFor();
    await sendMessage(bob, "first");
    await waitForMessage(alice, "first");
    await sendMessage(bob, "second");
    await bob.getByText(/Slow mode is on: your message will be sent in \d+ seconds?\./).waitFor();
    // The owner is exempt.
    await sendMessage(alice, "one");
    await sendMessage(alice, "two");
    await waitForMessage(bob, "two");

    await alice.getByLabel("Lock room").check();
    await bob.getByRole("log").getByText("Alice locked the room").waitFor();
    const newcomer = (await person("newcomer")).page;
    await newcomer.goto(`${suite.server.url}/${room}?name=Nina`);
    await newcomer.getByRole("button", { name: "Enter", exact: true }).click();
    await waitForStatus(newcomer, "Room locked");
    await newcomer.getByText(/This room is locked: only people who have been here before can join it now\./).waitFor();
    // Someone who was here before still gets in.
    await bob.reload();
    await waitForStatus(bob, "Connected");
    expect(problems.take()).toEqual([]);
  });

  it("links a second browser with a one-time link, which is then the owner", async () => {
    const room = newRoom();
    const alice = await openRoom((await person("alice")).page, suite.server.url, room, "Alice");
    await openRoom((await person("bob")).page, suite.server.url, room, "Bob");

    await alice.getByRole("button", { name: "Use on another device" }).click();
    const dialog = alice.getByRole("dialog", { name: "Use on another device" });
    const url = dialog.locator("#device-link-url");
    await url.getByText(/\/link\/[a-z0-9]{16}/).waitFor();
    expect(await dialog.getByRole("img", { name: "QR code of the link" }).isVisible()).toBe(true);
    const link = /(\S+\/link\/[a-z0-9]{16})/.exec((await url.textContent()) ?? "")?.[1] ?? "";
    await dialog.getByRole("button", { name: "Close" }).click();

    const phone = (await person("alice-phone")).page;
    await phone.goto(link);
    await phone.getByText("This browser is now linked to your other device").waitFor();
    await openRoom(phone, suite.server.url, room, "Alice");
    // The same person: the owner, with the owner's tools.
    await onlineEntry(phone, "Alice").getByText("owner", { exact: true }).waitFor();
    await onlineEntry(phone, "Bob").getByRole("button", { name: "Make Bob a moderator", exact: true }).waitFor();
    await phone.getByText("Room tools").waitFor();

    // The link worked once.
    const other = (await person("other")).page;
    const response = await other.goto(link);
    expect(response?.status()).toBe(410);
    await other.getByText("This link was used already").waitFor();
    // The browser logs the 410 itself; nothing else went wrong.
    expect(problems.take()).toEqual([
      "other: console error: Failed to load resource: the server responded with a status of 410 (Gone)",
    ]);
  });
});
