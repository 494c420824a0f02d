import type { Dialog, Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { openRoom, sendMessage, WAIT_MS, waitForMessage, waitForStatus } from "../support/browser";
import { browserSuite } from "../support/browser-suite";

const suite = browserSuite("offline");
const { problems, newRoom } = suite;

// Chromium itself logs refused socket attempts while offline: the outage the test makes, not a page error.
const OFFLINE_NOISE = /console error: WebSocket connection to .* failed/;

const person = (label: string, options?: Parameters<typeof suite.person>[1]) => suite.person(label, options);

const countInLog = (page: Page, text: string) =>
  page.getByRole("log").locator(".text").getByText(text, { exact: true }).count();

describe("nothing typed is lost", () => {
  it("delivers a message sent offline exactly once after the tab was closed, asking before it closes", async () => {
    const room = newRoom();
    const { context, page: alice } = await person("alice");
    await openRoom(alice, suite.server.url, room, "Alice");
    const { page: bob } = await person("bob");
    await openRoom(bob, suite.server.url, room, "Bob");

    await context.setOffline(true);
    await waitForStatus(alice, "Offline");
    const text = "meeting moved to 3pm";
    await sendMessage(alice, text);
    await alice.getByRole("log").getByRole("listitem").filter({ hasText: text }).getByText("Sending…").waitFor();

    // Closing the tab asks first: a message has not reached the room.
    const dialogs: string[] = [];
    alice.on("dialog", (dialog: Dialog) => {
      dialogs.push(dialog.type());
      void dialog.accept(); // she closes it anyway
    });
    await alice.close({ runBeforeUnload: true });
    await expect.poll(() => dialogs, { timeout: WAIT_MS }).toEqual(["beforeunload"]);
    await expect.poll(() => alice.isClosed(), { timeout: WAIT_MS }).toBe(true);
    expect(await countInLog(bob, text)).toBe(0);

    // Back online, she opens the room again: the message goes, with its original id.
    await context.setOffline(false);
    const again = problems.watch(await context.newPage(), "alice-again");
    await openRoom(again, suite.server.url, room, "Alice");
    await waitForMessage(bob, text);
    await again.getByRole("log").getByRole("listitem").filter({ hasText: text }).getByText("Sent").waitFor();

    // A second visit re-sends nothing: the room has it once.
    await again.reload();
    await waitForStatus(again, "Connected");
    await waitForMessage(again, text);
    const { page: carol } = await person("carol");
    await openRoom(carol, suite.server.url, room, "Carol");
    await waitForMessage(carol, text);
    expect(await countInLog(carol, text)).toBe(1);
    expect(await countInLog(bob, text)).toBe(1);
    expect(await countInLog(again, text)).toBe(1);
    expect(problems.take().filter((p) => !OFFLINE_NOISE.test(p))).toEqual([]);
  });

  it("keeps the draft across a reload, and closes without asking when everything is sent", async () => {
    const room = newRoom();
    const { context, page: alice } = await person("alice");
    await openRoom(alice, suite.server.url, room, "Alice");
    const box = alice.getByLabel("Message", { exact: true });
    await box.pressSequentially("half a thought", { delay: 20 });
    await alice.reload();
    await waitForStatus(alice, "Connected");
    expect(await box.inputValue()).toBe("half a thought");

    await box.press("Enter");
    await alice
      .getByRole("log")
      .getByRole("listitem")
      .filter({ hasText: "half a thought" })
      .getByText("Sent")
      .waitFor();
    await alice.reload();
    await waitForStatus(alice, "Connected");
    expect(await box.inputValue()).toBe("");

    const dialogs: string[] = [];
    alice.on("dialog", (dialog: Dialog) => {
      dialogs.push(dialog.type());
      void dialog.accept();
    });
    await alice.close({ runBeforeUnload: true });
    await expect.poll(() => alice.isClosed(), { timeout: WAIT_MS }).toBe(true);
    expect(dialogs).toEqual([]);
    expect(context.pages()).toEqual([]);
    expect(problems.take()).toEqual([]);
  });
});
