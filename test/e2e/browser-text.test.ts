import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { openRoom, sendMessage, WAIT_MS, waitForMessage, waitForStatus } from "../support/browser";
import { browserSuite } from "../support/browser-suite";

const suite = browserSuite("text");
const { problems, newRoom } = suite;

const person = (label: string, options?: Parameters<typeof suite.person>[1]) => suite.person(label, options);

/**
 * Headless Chromium's window always has focus: a stand-in for `document.hasFocus()` and the
 * focus/blur events, set before the page loads. Returns a switch for it.
 */
async function controlFocus(page: Page): Promise<(focused: boolean) => Promise<void>> {
  await page.addInitScript(() => {
    let focused = true;
    Document.prototype.hasFocus = () => focused;
    (window as unknown as { setFocused: (f: boolean) => void }).setFocused = (f: boolean) => {
      focused = f;
      window.dispatchEvent(new Event(f ? "focus" : "blur"));
    };
  });
  return (focused) =>
    page.evaluate((f) => (window as unknown as { setFocused: (f: boolean) => void }).setFocused(f), focused);
}

const item = (page: Page, text: string) => page.getByRole("log").getByRole("listitem").filter({ hasText: text });

describe("text as people write it", () => {
  it("lets right-to-left text find its own direction in messages, names and the box", async () => {
    const room = newRoom();
    const { page: alice } = await person("alice");
    await openRoom(alice, suite.server.url, room, "Alice");
    const { page: bob } = await person("bob");
    await openRoom(bob, suite.server.url, room, "שרה");
    const hebrew = "שלום, מה שלומך?";
    const arabic = "مرحبا! كيف الحال؟";
    await sendMessage(bob, hebrew);
    await sendMessage(bob, arabic);
    await waitForMessage(alice, arabic);
    for (const text of [hebrew, arabic]) {
      const body = item(alice, text).locator(".text");
      expect(await body.getAttribute("dir")).toBe("auto");
      // The browser resolves it right to left: the question mark sits at the left end.
      expect(await body.evaluate((e) => getComputedStyle(e).direction)).toBe("rtl");
    }
    const sender = item(alice, hebrew).locator(".sender");
    expect(await sender.getAttribute("dir")).toBe("auto");
    expect(await alice.getByLabel("Message", { exact: true }).getAttribute("dir")).toBe("auto");
    expect(problems.take()).toEqual([]);
  });

  it("makes http and https links clickable, safely, and leaves everything else as text", async () => {
    const room = newRoom();
    const { page: alice } = await person("alice");
    await openRoom(alice, suite.server.url, room, "Alice");
    const { page: bob } = await person("bob");
    await openRoom(bob, suite.server.url, room, "Bob");
    const text =
      "Docs at https://example.com/guide?x=1&y=2 (and http://example.org/a_(b)). Not javascript:alert(1) nor <a href='https://evil.example'>x</a>";
    await sendMessage(bob, text);
    await waitForMessage(alice, text);
    const links = item(alice, "Docs at").getByRole("link");
    expect(await links.count()).toBe(3);
    const first = links.nth(0);
    expect(await first.textContent()).toBe("https://example.com/guide?x=1&y=2");
    expect(await first.getAttribute("href")).toBe("https://example.com/guide?x=1&y=2");
    expect(await first.getAttribute("rel")).toBe("noopener noreferrer nofollow");
    expect(await first.getAttribute("target")).toBe("_blank");
    // A bracket belongs to the link only when the link opened one; the sentence's full stop never does.
    expect(await links.nth(1).textContent()).toBe("http://example.org/a_(b)");
    // Markup stays text: the "link" in it is only its URL, and there is no other element.
    expect(await links.nth(2).textContent()).toBe("https://evil.example");
    expect(await item(alice, "Docs at").locator(".text *:not(a)").count()).toBe(0);
    expect(problems.take()).toEqual([]);
  });

  it("highlights @name for the person named, and notifies them once they asked for it", async () => {
    const room = newRoom();
    const { page: alice } = await person("alice");
    const setFocused = await controlFocus(alice);
    // Headless Chromium shows no notifications: a stand-in records them and the permission asks.
    await alice.addInitScript(() => {
      const w = window as unknown as { shown: string[]; asked: number };
      w.shown = [];
      w.asked = 0;
      let permission: NotificationPermission = "default";
      class FakeNotification extends EventTarget {
        static get permission() {
          return permission;
        }
        static async requestPermission() {
          w.asked++;
          permission = "granted";
          return permission;
        }
        constructor(title: string, options?: NotificationOptions) {
          super();
          // As in a browser, nothing is shown without permission (the page probes whether it can construct one).
          if (permission === "granted") w.shown.push(`${title}: ${options?.body ?? ""}`);
        }
        close() {}
      }
      Object.defineProperty(window, "Notification", { value: FakeNotification, configurable: true });
    });
    await openRoom(alice, suite.server.url, room, "Alice");
    const { page: bob } = await person("bob");
    await openRoom(bob, suite.server.url, room, "Bob");
    const asked = () => alice.evaluate(() => (window as unknown as { asked: number }).asked);
    const shown = () => alice.evaluate(() => (window as unknown as { shown: string[] }).shown);
    expect(await asked()).toBe(0); // never on load

    await alice.getByRole("button", { name: "Notify me" }).click();
    await alice.getByRole("button", { name: "Notifications on" }).waitFor();
    expect(await asked()).toBe(1);

    await sendMessage(bob, "hey @alice, look at this");
    await waitForMessage(alice, "hey @alice, look at this");
    const mark = item(alice, "look at this").locator("mark.mention");
    expect(await mark.textContent()).toBe("@alice");
    expect(await item(alice, "look at this").getAttribute("class")).toContain("mentions-me");
    // Bob sees his own text plain: the highlight is for the person named.
    await item(bob, "look at this").getByText("Sent").waitFor();
    expect(await item(bob, "look at this").locator("mark").count()).toBe(0);
    // Not a mention: part of a longer name.
    await sendMessage(bob, "ping @alicex");
    await waitForMessage(alice, "ping @alicex");
    expect(await item(alice, "ping @alicex").locator("mark").count()).toBe(0);
    await expect.poll(shown).toEqual([`Bob mentioned you in #${room}: hey @alice, look at this`]);
    // Away (another window in front), any message notifies.
    await setFocused(false);
    await sendMessage(bob, "lunch?");
    await expect
      .poll(shown, { timeout: WAIT_MS })
      .toEqual([`Bob mentioned you in #${room}: hey @alice, look at this`, `Bob in #${room}: lunch?`]);
    expect(problems.take()).toEqual([]);
  });

  it("counts unread while the window is unfocused, and marks what is new since you left", async () => {
    const room = newRoom();
    const { page: alice } = await person("alice");
    const setFocused = await controlFocus(alice);
    await openRoom(alice, suite.server.url, room, "Alice");
    const { page: bob } = await person("bob");
    await openRoom(bob, suite.server.url, room, "Bob");
    await sendMessage(bob, "read at once");
    await waitForMessage(alice, "read at once");

    // Another window in front: visible, but not being read.
    await setFocused(false);
    await sendMessage(bob, "while you were away");
    await expect.poll(() => alice.title(), { timeout: WAIT_MS }).toBe(`(1) #${room} · Parley`);
    await setFocused(true);
    expect(await alice.title()).toBe(`#${room} · Parley`);
    const divider = alice.getByRole("log").locator(".divider");
    expect(await divider.textContent()).toBe("New since you left");
    const afterDivider = await divider.evaluate((d) => d.nextElementSibling?.querySelector(".text")?.textContent);
    expect(afterDivider).toBe("while you were away");

    // Leaving the room and coming back later: the divider is where she stopped reading.
    await alice.goto(`${suite.server.url}/`);
    await sendMessage(bob, "after you closed it");
    await bob
      .getByRole("log")
      .getByRole("listitem")
      .filter({ hasText: "after you closed it" })
      .getByText("Sent")
      .waitFor();
    await openRoom(alice, suite.server.url, room, "Alice");
    await waitForMessage(alice, "after you closed it");
    expect(await divider.evaluate((d) => d.nextElementSibling?.querySelector(".text")?.textContent)).toBe(
      "after you closed it",
    );
    expect(problems.take()).toEqual([]);
  });

  it("separates days, counts down near the limit, and clears the limit notice once the text fits", async () => {
    const room = newRoom();
    const { page: alice } = await person("alice");
    await openRoom(alice, suite.server.url, room, "Alice");
    await sendMessage(alice, "first today");
    await item(alice, "first today").getByText("Sent").waitFor();
    expect(await alice.getByRole("log").locator(".day").allTextContents()).toEqual(["Today"]);

    const box = alice.getByLabel("Message", { exact: true });
    const counter = alice.locator("#message-count");
    await box.fill("x".repeat(100));
    expect(await counter.isVisible()).toBe(false);
    await box.fill("x".repeat(1990));
    expect(await counter.textContent()).toBe("10 characters left");
    await box.fill("x".repeat(2005));
    expect(await counter.textContent()).toBe("5 characters over the limit");
    await box.press("Enter");
    const notice = alice.getByRole("alert").getByText("Messages are at most 2000 characters.");
    await notice.waitFor();
    await box.press("Backspace");
    await box.press("Backspace");
    expect(await notice.count()).toBe(1); // still over
    await box.fill("x".repeat(2000));
    expect(await notice.count()).toBe(0);
    expect(await counter.textContent()).toBe("0 characters left");
    expect(problems.take()).toEqual([]);
  });

  it("lists your recent rooms on the landing page", async () => {
    const { page: alice } = await person("alice");
    const rooms = [newRoom(), newRoom()];
    for (const room of rooms) await openRoom(alice, suite.server.url, room, "Alice");
    await alice.goto(`${suite.server.url}/`);
    const recent = alice.getByRole("link", { name: /^#text-/ });
    expect(await recent.allTextContents()).toEqual([`#${rooms[1]}`, `#${rooms[0]}`]);
    await recent.first().click();
    await alice.waitForURL(`${suite.server.url}/${rooms[1]}`);
    await waitForStatus(alice, "Connected");
    expect(problems.take()).toEqual([]);
  });
});
