import { describe, expect, it } from "vitest";
import { openRoom, screenshot, sendMessage, WAIT_MS, waitForMessage, waitForStatus } from "../support/browser";
import { browserSuite } from "../support/browser-suite";

const suite = browserSuite("chat");
const { problems, newRoom } = suite;

const person = async (label: string, options?: Parameters<typeof suite.person>[1]) =>
  (await suite.person(label, options)).page;

/** Every test ends with no console errors and no uncaught exceptions on any page. */
function expectNoPageProblems(): void {
  expect(problems.take()).toEqual([]);
}

describe("chatting in a real browser", () => {
  it("lets two people chat: names kept, join lines, Online list, delivery marks", async () => {
    const room = newRoom();
    const alice = await person("alice");
    await alice.goto(`${suite.server.url}/${room}`);
    // No name yet: the page asks for one.
    await alice.getByLabel("Your name").fill("Alice");
    await alice.getByRole("button", { name: "Enter" }).click();
    await waitForStatus(alice, "Connected");

    const bob = await openRoom(await person("bob"), suite.server.url, room, "Bob");
    await alice.getByRole("log").getByText("Bob joined").waitFor();
    const aliceOnline = alice.getByRole("list", { name: "Online" });
    await expect
      .poll(() => aliceOnline.locator(".person").allTextContents(), { timeout: WAIT_MS })
      .toEqual(["Alice", "Bob"]);
    await expect.poll(() => alice.locator(".people-title").textContent(), { timeout: WAIT_MS }).toBe("Online 2");

    await sendMessage(alice, "Hello Bob!");
    await waitForMessage(bob, "Hello Bob!");
    const fromAlice = bob.getByRole("log").getByRole("listitem").filter({ hasText: "Hello Bob!" });
    await expect.poll(() => fromAlice.textContent()).toContain("Alice");
    // Alice's own copy is marked sent once the room has stored it.
    const own = alice.getByRole("log").getByRole("listitem").filter({ hasText: "Hello Bob!" });
    await own.getByText("Sent", { exact: true }).waitFor();

    await sendMessage(bob, "Hi Alice, nice to see you.");
    await waitForMessage(alice, "Hi Alice, nice to see you.");
    // The time is shown, with the full date on hover.
    const time = alice.getByRole("log").getByRole("listitem").filter({ hasText: "Hi Alice" }).locator("time");
    expect(await time.getAttribute("title")).toMatch(/\d{4}/);
    await screenshot(alice, "chat-two-people");

    // The name is kept: coming back asks for nothing.
    await alice.reload();
    await waitForStatus(alice, "Connected");
    expect(await alice.getByLabel("Your name").isVisible()).toBe(false);
    await waitForMessage(alice, "Hi Alice, nice to see you.");

    await bob.close();
    await alice.getByRole("log").getByText("Bob left").waitFor();
    expectNoPageProblems();
  });

  it("shows a late joiner the history, in order", async () => {
    const room = newRoom();
    const alice = await openRoom(await person("alice"), suite.server.url, room, "Alice");
    for (const text of ["one", "two", "three"]) await sendMessage(alice, text);
    await alice.getByRole("log").getByRole("listitem").filter({ hasText: "three" }).getByText("Sent").waitFor();

    const carol = await openRoom(await person("carol"), suite.server.url, room, "Carol");
    await waitForMessage(carol, "three");
    const texts = await carol.getByRole("log").locator(".text").allTextContents();
    expect(texts).toEqual(["one", "two", "three"]);
    expectNoPageProblems();
  });

  it("shows markup from others as text, never as HTML", async () => {
    const room = newRoom();
    const alice = await openRoom(await person("alice"), suite.server.url, room, "Alice");
    const bob = await openRoom(await person("bob"), suite.server.url, room, "Bob<i>");
    const evil = `<img src=x onerror="window.pwned=1"><b>bold</b> <script>window.pwned=2</script>`;
    await sendMessage(bob, evil);
    await waitForMessage(alice, evil);
    const log = alice.getByRole("log");
    expect(await log.locator("img, b, script, i").count()).toBe(0);
    expect(await alice.evaluate(() => (window as { pwned?: number }).pwned)).toBeUndefined();
    await log.getByText("Bob<i>", { exact: true }).first().waitFor();
    expectNoPageProblems();
  });

  it("shows who is typing, and takes it away when they stop", async () => {
    const room = newRoom();
    const alice = await openRoom(await person("alice"), suite.server.url, room, "Alice");
    const bob = await openRoom(await person("bob"), suite.server.url, room, "Bob");
    const typingLine = bob.getByText("Alice is typing…");

    await alice.getByLabel("Message", { exact: true }).pressSequentially("Hel", { delay: 50 });
    await typingLine.waitFor();
    // A few seconds without typing and it goes.
    await typingLine.waitFor({ state: "detached", timeout: WAIT_MS });

    // It comes back when she types again, and goes at once when her message arrives.
    await alice.getByLabel("Message", { exact: true }).pressSequentially("lo", { delay: 50 });
    await typingLine.waitFor();
    await alice.getByLabel("Message", { exact: true }).press("Enter");
    await waitForMessage(bob, "Hello");
    expect(await typingLine.count()).toBe(0);

    // Typing right after sending still shows (the 2 s limit delays it, never drops it).
    await alice.getByLabel("Message", { exact: true }).pressSequentially("again", { delay: 50 });
    await typingLine.waitFor();
    expectNoPageProblems();
  });

  it("counts unread messages in the tab title while the page is hidden", async () => {
    const room = newRoom();
    const alice = await person("alice");
    // Headless Chromium never hides a tab, so the test hides it the way the
    // browser would: document.hidden turns true and visibilitychange fires.
    await alice.addInitScript(() => {
      let hidden = false;
      Object.defineProperty(Document.prototype, "hidden", { configurable: true, get: () => hidden });
      Object.defineProperty(Document.prototype, "visibilityState", {
        configurable: true,
        get: () => (hidden ? "hidden" : "visible"),
      });
      (window as { setHidden?: (h: boolean) => void }).setHidden = (h: boolean) => {
        hidden = h;
        document.dispatchEvent(new Event("visibilitychange"));
      };
    });
    const setHidden = (hidden: boolean) =>
      alice.evaluate((h) => (window as unknown as { setHidden: (h: boolean) => void }).setHidden(h), hidden);
    await openRoom(alice, suite.server.url, room, "Alice");
    const bob = await openRoom(await person("bob"), suite.server.url, room, "Bob");
    expect(await alice.title()).toBe(`#${room} · Parley`);

    await setHidden(true);
    await sendMessage(bob, "first while away");
    await sendMessage(bob, "second while away");
    await expect.poll(() => alice.title(), { timeout: WAIT_MS }).toBe(`(2) #${room} · Parley`);

    await setHidden(false);
    expect(await alice.title()).toBe(`#${room} · Parley`);
    // Messages read while visible are not counted.
    await sendMessage(bob, "seen at once");
    await waitForMessage(alice, "seen at once");
    expect(await alice.title()).toBe(`#${room} · Parley`);
    expectNoPageProblems();
  });

  it("keeps the reader's place in older messages, and follows new ones at the bottom", async () => {
    const room = newRoom();
    const alice = await openRoom(
      await person("alice", { viewport: { width: 900, height: 600 } }),
      suite.server.url,
      room,
      "Alice",
    );
    const bob = await openRoom(await person("bob"), suite.server.url, room, "Bob");
    const scroller = alice.getByRole("log");
    const long = (i: number) => `Message ${i}\nwith a second line\nand a third one`;
    for (let i = 1; i <= 12; i++) {
      await sendMessage(bob, long(i));
      await waitForMessage(alice, long(i));
    }
    const position = () => scroller.evaluate((s) => ({ top: s.scrollTop, max: s.scrollHeight - s.clientHeight }));
    // At the bottom: each new message is followed.
    await expect
      .poll(async () => {
        const p = await position();
        return p.max > 0 && p.max - p.top < 2;
      })
      .toBe(true);

    // Reading older messages: a new one does not move the page.
    await scroller.evaluate((s) => {
      s.scrollTop = 0;
    });
    await sendMessage(bob, "while reading");
    await waitForMessage(alice, "while reading");
    expect((await position()).top).toBe(0);
    const jump = alice.getByRole("button", { name: "New messages" });
    await jump.waitFor();
    await screenshot(alice, "chat-reading-older");

    // The jump button brings the reader back, and following resumes.
    await jump.click();
    await expect
      .poll(async () => {
        const p = await position();
        return p.max - p.top < 2;
      })
      .toBe(true);
    await sendMessage(bob, "back at the bottom");
    await waitForMessage(alice, "back at the bottom");
    await expect
      .poll(async () => {
        const p = await position();
        return p.max - p.top < 2;
      })
      .toBe(true);
    expectNoPageProblems();
  });

  it("says why a message was refused, inline, and offers Edit and Discard instead of a hopeless Retry", async () => {
    const room = newRoom();
    const alice = await openRoom(await person("alice"), suite.server.url, room, "Alice");
    // A pasted form feed passes the page but the room refuses it.
    await sendMessage(alice, "page one\fpage two");
    const own = alice.getByRole("log").getByRole("listitem").filter({ hasText: "page one" });
    await own.getByText("Not sent").waitFor();
    await own.getByText("Text must not contain control characters.").waitFor();
    // It can never succeed as it is: no Retry.
    expect(await own.getByRole("button", { name: "Retry" }).count()).toBe(0);

    // Edit puts it back in the box without the invisible character, and it goes.
    await own.getByRole("button", { name: "Edit" }).click();
    const box = alice.getByLabel("Message", { exact: true });
    expect(await box.inputValue()).toBe("page one page two");
    await expect.poll(() => alice.evaluate(() => document.activeElement?.id)).toBe("message-input");
    expect(await own.count()).toBe(0);
    await box.press("Enter");
    await alice
      .getByRole("log")
      .getByRole("listitem")
      .filter({ hasText: "page one page two" })
      .getByText("Sent", { exact: true })
      .waitFor();

    // Discard drops a refused one for good, also after a reload.
    await sendMessage(alice, "ring \u0007 ring");
    const bell = alice.getByRole("log").getByRole("listitem").filter({ hasText: "ring" });
    await bell.getByText("Not sent").waitFor();
    await alice.reload();
    await waitForStatus(alice, "Connected");
    await bell.getByText("Not sent").waitFor();
    await bell.getByRole("button", { name: "Discard" }).click();
    expect(await bell.count()).toBe(0);
    await alice.reload();
    await waitForStatus(alice, "Connected");
    await waitForMessage(alice, "page one page two");
    expect(await bell.count()).toBe(0);
    expectNoPageProblems();
  });

  it("takes typing away within 3 s of the draft being cleared, and never shows you typing from your other tab", async () => {
    const room = newRoom();
    const { context, page: alice } = await suite.person("alice");
    await openRoom(alice, suite.server.url, room, "Alice");
    // Alice's second tab: same browser, same name.
    const aliceTab2 = await openRoom(
      problems.watch(await context.newPage(), "alice-tab2"),
      suite.server.url,
      room,
      "Alice",
    );
    const bob = await openRoom(await person("bob"), suite.server.url, room, "Bob");
    const box = alice.getByLabel("Message", { exact: true });

    await box.pressSequentially("On my way", { delay: 40 });
    await bob.getByText("Alice is typing…").waitFor();
    // Her other tab got the same notice but does not show her to herself.
    expect(await aliceTab2.locator("#typing").textContent()).toBe("");

    // She clears her draft and stops: the line goes within the 3 s the notice lives.
    await box.fill("");
    await bob.getByText("Alice is typing…").waitFor({ state: "detached", timeout: 3_500 });

    // Typing on and on keeps it up, longer than one notice lives (the page repeats it every 2 s while the draft changes).
    await box.pressSequentially("la ", { delay: 80 });
    await bob.getByText("Alice is typing…").waitFor();
    for (let i = 0; i < 14; i++) {
      await box.pressSequentially("la ", { delay: 80 });
      expect(await bob.locator("#typing").textContent()).toBe("Alice is typing…");
    }
    expect(await aliceTab2.locator("#typing").textContent()).toBe("");
    expectNoPageProblems();
  });

  it("works by keyboard alone, with a visible focus", async () => {
    const room = newRoom();
    const alice = await person("alice");
    await alice.goto(`${suite.server.url}/`);
    const focused = () => alice.evaluate(() => document.activeElement?.getAttribute("id") ?? "");
    // The Room box has focus on arrival: typing a room and Enter joins it.
    await expect.poll(focused).toBe("room-input");
    const outline = await alice.evaluate(() => {
      const style = getComputedStyle(document.activeElement as Element);
      return `${style.outlineStyle} ${style.outlineWidth}`;
    });
    expect(outline).not.toMatch(/^none|\b0px/);
    await alice.keyboard.type(room);
    await alice.keyboard.press("Enter");
    await alice.waitForURL(`${suite.server.url}/${room}`);

    // The name box has focus; typing and Enter joins.
    await expect.poll(focused).toBe("name-input");
    await alice.keyboard.type("Alice");
    await alice.keyboard.press("Enter");
    await waitForStatus(alice, "Connected");
    await expect.poll(focused).toBe("message-input");
    await alice.keyboard.type("typed, not clicked");
    await alice.keyboard.press("Enter");
    await alice
      .getByRole("log")
      .getByRole("listitem")
      .filter({ hasText: "typed, not clicked" })
      .getByText("Sent")
      .waitFor();
    // Shift+Enter makes a new line instead of sending.
    await alice.keyboard.type("line one");
    await alice.keyboard.press("Shift+Enter");
    await alice.keyboard.type("line two");
    expect(await alice.getByLabel("Message", { exact: true }).inputValue()).toBe("line one\nline two");
    // Tab reaches Send, which sends.
    await alice.keyboard.press("Tab");
    expect(await focused()).toBe("");
    expect(await alice.evaluate(() => document.activeElement?.textContent)).toBe("Send");
    await alice.keyboard.press("Enter");
    await waitForMessage(alice, "line one\nline two");
    await screenshot(alice, "chat-keyboard");
    expectNoPageProblems();
  });

  it("joins from the landing page, opens a fresh private room and copies its link", async () => {
    const alice = await person("alice", { permissions: ["clipboard-read", "clipboard-write"] });
    await alice.goto(`${suite.server.url}/`);
    await alice.getByLabel("Room").fill("not a room!");
    await alice.getByRole("button", { name: "Join" }).click();
    await alice.getByRole("alert").getByText("Room names are").waitFor();

    const privateLink = alice.getByRole("link", { name: "fresh private room" });
    const href = (await privateLink.getAttribute("href")) ?? "";
    expect(href).toMatch(/^\/[0-9a-f]{32}$/);
    await privateLink.click();
    await alice.waitForURL(`${suite.server.url}${href}`);
    await alice.getByLabel("Your name").fill("Alice");
    await alice.getByRole("button", { name: "Enter" }).click();
    await waitForStatus(alice, "Connected");

    await alice.getByRole("button", { name: "Copy link" }).click();
    await alice.getByText("Link copied").waitFor();
    expect(await alice.evaluate(() => navigator.clipboard.readText())).toBe(`${suite.server.url}${href}`);
    expectNoPageProblems();
  });
});
