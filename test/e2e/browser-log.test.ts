import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { openRoom, screenshot, sendMessage, WAIT_MS, waitForMessage, waitForStatus } from "../support/browser";
import { browserSuite } from "../support/browser-suite";
import { NodeChatClient } from "../support/ws-client";

const suite = browserSuite("log");
const { problems, newRoom } = suite;

const person = async (label: string, options?: Parameters<typeof suite.person>[1]) =>
  (await suite.person(label, options)).page;

const item = (page: Page, text: string) => page.getByRole("log").getByRole("listitem").filter({ hasText: text });
const box = (page: Page) => page.getByLabel("Message", { exact: true });

describe("the room's event log on the page", () => {
  it("shows edits and deletions to everyone, live and after a reload", async () => {
    const room = newRoom();
    const alice = await openRoom(await person("alice"), suite.server.url, room, "Alice");
    const bob = await openRoom(await person("bob"), suite.server.url, room, "Bob");
    await sendMessage(alice, "Hello wrld");
    await sendMessage(alice, "This one goes");
    await sendMessage(bob, "Bob was here");
    await item(alice, "This one goes").getByText("Sent").waitFor();
    await waitForMessage(bob, "This one goes");
    await waitForMessage(alice, "Bob was here");

    // Only the author may edit; nobody but the author (or a moderator) may delete.
    expect(await item(bob, "Hello wrld").getByRole("button", { name: "Edit" }).count()).toBe(0);
    expect(await item(bob, "Hello wrld").getByRole("button", { name: "Delete" }).count()).toBe(0);
    await item(bob, "Bob was here").getByRole("button", { name: "Edit your message", exact: true }).waitFor();
    // Alice opened the room first: she owns it, and may delete anyone's message.
    await item(alice, "Bob was here").getByRole("button", { name: "Delete Bob's message", exact: true }).waitFor();
    expect(await item(alice, "Bob was here").getByRole("button", { name: "Edit" }).count()).toBe(0);

    // Edit puts the words in the box; Enter saves them.
    await item(alice, "Hello wrld").getByRole("button", { name: "Edit your message", exact: true }).click();
    expect(await box(alice).inputValue()).toBe("Hello wrld");
    await box(alice).fill("Hello world");
    await box(alice).press("Enter");
    await waitForMessage(bob, "Hello world");
    await item(bob, "Hello world").getByText("(edited)").waitFor();
    await item(alice, "Hello world").getByText("(edited)").waitFor();
    expect(await bob.getByRole("log").getByText("Hello wrld").count()).toBe(0);

    // Arrow Up in an empty box edits the last one; Escape leaves it as it was and gives the draft back.
    await box(alice).fill("");
    await box(alice).press("ArrowUp");
    expect(await box(alice).inputValue()).toBe("This one goes");
    await alice.getByText("Editing your message").waitFor();
    await box(alice).press("Escape");
    expect(await box(alice).inputValue()).toBe("");
    expect(await alice.getByText("Editing your message").isVisible()).toBe(false);
    await box(alice).fill("a draft of mine");
    await box(alice).press("ArrowUp"); // not empty: just the caret
    expect(await box(alice).inputValue()).toBe("a draft of mine");

    // Delete asks first.
    await item(alice, "This one goes").getByRole("button", { name: "Delete your message", exact: true }).click();
    const dialog = alice.getByRole("dialog", { name: "Delete this message?" });
    await dialog.getByRole("button", { name: "Cancel" }).click();
    await dialog.waitFor({ state: "hidden" });
    expect(await item(alice, "This one goes").count()).toBe(1);
    await item(alice, "This one goes").getByRole("button", { name: "Delete your message", exact: true }).click();
    await dialog.getByRole("button", { name: "Confirm" }).click();
    await bob.getByRole("log").getByText("Message deleted", { exact: true }).waitFor();
    await alice.getByRole("log").getByText("Message deleted", { exact: true }).waitFor();
    expect(await bob.getByRole("log").getByText("This one goes").count()).toBe(0);
    expect(await box(alice).inputValue()).toBe("a draft of mine");

    // Alice (the owner) removes Bob's message too.
    await item(alice, "Bob was here").getByRole("button", { name: "Delete Bob's message", exact: true }).click();
    await dialog.getByRole("button", { name: "Confirm" }).click();
    await expect.poll(() => bob.getByRole("log").getByText("Message deleted", { exact: true }).count()).toBe(2);
    await screenshot(alice, "log-edited-and-deleted");

    // A reload (and a newcomer) sees each message as it is now.
    await bob.reload();
    await waitForStatus(bob, "Connected");
    await waitForMessage(bob, "Hello world");
    await item(bob, "Hello world").getByText("(edited)").waitFor();
    expect(await bob.getByRole("log").locator(".message .text").allTextContents()).toEqual([
      "Hello world",
      "Message deleted",
      "Message deleted",
    ]);
    const carol = await openRoom(await person("carol"), suite.server.url, room, "Carol");
    await waitForMessage(carol, "Hello world");
    expect(await carol.getByRole("log").locator(".message .text").allTextContents()).toEqual([
      "Hello world",
      "Message deleted",
      "Message deleted",
    ]);
    expect(problems.take()).toEqual([]);
  });

  it("loads 300 earlier messages as the reader scrolls up, keeps their place, and marks the beginning", async () => {
    const room = newRoom();
    // 30 people write 10 messages each, one after the other (the rate limit is per connection).
    const writers = await Promise.all(
      Array.from({ length: 30 }, (_, i) => NodeChatClient.connect(suite.server.url, room, `writer${i}`)),
    );
    let n = 0;
    for (const writer of writers) {
      for (let i = 0; i < 10; i++) {
        n++;
        await writer.say(`w${n}`, `old ${n}`);
      }
    }
    for (const writer of writers) writer.close();

    const alice = await openRoom(
      await person("alice", { viewport: { width: 900, height: 600 } }),
      suite.server.url,
      room,
      "Alice",
    );
    const texts = () => alice.getByRole("log").locator(".message .text").allTextContents();
    // A first visit shows the latest 100.
    await waitForMessage(alice, "old 300");
    await expect.poll(texts).toHaveLength(100);
    expect((await texts())[0]).toBe("old 201");
    const beginning = alice.getByText(`This is the beginning of #${room}`);
    expect(await beginning.count()).toBe(0);

    const scroller = alice.getByRole("log");
    const topOf = (text: string) =>
      item(alice, text)
        .first()
        .evaluate((el) => el.getBoundingClientRect().top);
    for (const [expected, firstShown] of [
      [200, "old 101"],
      [300, "old 1"],
    ] as const) {
      const oldest = (await texts())[0] ?? "";
      await scroller.evaluate((s) => {
        s.scrollTop = 0;
        s.dispatchEvent(new Event("scroll"));
      });
      const before = await topOf(oldest);
      await expect.poll(texts, { timeout: WAIT_MS }).toHaveLength(expected);
      expect((await texts())[0]).toBe(firstShown);
      // What the reader was looking at has not moved.
      expect(Math.abs((await topOf(oldest)) - before)).toBeLessThan(2);
    }
    // All 300, in order, and nothing is asked for twice.
    expect(await texts()).toEqual(Array.from({ length: 300 }, (_, i) => `old ${i + 1}`));
    await beginning.waitFor();
    await scroller.evaluate((s) => {
      s.scrollTop = 0;
    });
    await screenshot(alice, "log-beginning");
    await alice.waitForTimeout(500);
    expect(await texts()).toHaveLength(300);
    expect(problems.take()).toEqual([]);
  });
});
