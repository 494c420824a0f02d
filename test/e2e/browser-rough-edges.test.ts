import { describe, expect, it } from "vitest";
import { openRoom, sendMessage, waitForMessage, waitForStatus } from "../support/browser";
import { browserSuite } from "../support/browser-suite";

const suite = browserSuite("edges");
const { problems, newRoom } = suite;
const person = (label: string) => suite.person(label);

describe("rough edges of the page", () => {
  it("focuses the landing page's Room box", async () => {
    const { page } = await person("visitor");
    await page.goto(`${suite.server.url}/`);
    await page.getByLabel("Room").waitFor();
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("room-input");
    expect(problems.take()).toEqual([]);
  });

  it("says a name is too long instead of cutting it, and never 'Not connected' before trying", async () => {
    const { page } = await person("long");
    const sockets: string[] = [];
    page.on("websocket", (ws) => sockets.push(ws.url()));
    await page.goto(`${suite.server.url}/${newRoom()}`);
    await waitForStatus(page, "Pick a name to join");
    expect(await page.getByRole("status").textContent()).not.toContain("Not connected");
    const long = "A".repeat(40);
    await page.getByLabel("Your name").fill(long);
    expect(await page.getByLabel("Your name").inputValue()).toBe(long);
    await page.getByRole("button", { name: "Enter", exact: true }).click();
    await page.getByText("Your name is 40 characters long: it can be at most 32.").waitFor();
    expect(sockets).toEqual([]);
    expect(problems.take()).toEqual([]);
  });

  it("says a name held by someone who has gone is reserved, not in use", async () => {
    const room = newRoom();
    const { context: bobContext, page: bob } = await person("bob");
    await openRoom(bob, suite.server.url, room, "Bob");
    await sendMessage(bob, "hello from Bob");
    await waitForMessage(bob, "hello from Bob");
    await bobContext.close();
    const { page: other } = await person("other");
    await other.goto(`${suite.server.url}/${room}?name=Bob`);
    await other.getByRole("button", { name: "Enter", exact: true }).click();
    await other
      .getByText("“Bob” (or a name that looks like it) is reserved by someone who used it in this room recently.")
      .waitFor();
    expect(await other.getByText("Someone else in this room goes by").count()).toBe(0);
    expect(problems.take()).toEqual([]);
  });

  it("offers Notify me only where a notification can be made", async () => {
    const room = newRoom();
    const { page: desktop } = await person("desktop");
    await openRoom(desktop, suite.server.url, room, "Dee");
    await desktop.getByRole("button", { name: "Notify me" }).waitFor();

    // As on Android Chrome: Notification exists, but its constructor throws outside a service worker.
    const { context, page: phone } = await person("android");
    await context.addInitScript(() => {
      class NoNotification {
        static permission = "default";
        constructor() {
          throw new TypeError("Illegal constructor. Use ServiceWorkerRegistration.showNotification() instead.");
        }
      }
      Object.defineProperty(window, "Notification", { value: NoNotification });
    });
    await phone.reload();
    await openRoom(phone, suite.server.url, room, "Ann");
    expect(await phone.getByRole("button", { name: "Notify me" }).count()).toBe(0);
    expect(problems.take()).toEqual([]);
  });

  it("tells a kicked person's return as a join", async () => {
    const room = newRoom();
    const alice = await openRoom((await person("alice")).page, suite.server.url, room, "Alice");
    const bob = await openRoom((await person("bob")).page, suite.server.url, room, "Bob");
    const joinedLines = alice.getByRole("log").getByText("Bob joined", { exact: true });
    await joinedLines.first().waitFor();
    await alice.getByRole("list", { name: "Online" }).getByRole("button", { name: "Kick Bob", exact: true }).click();
    await alice.getByRole("dialog", { name: "Remove Bob?" }).getByRole("button", { name: "Confirm" }).click();
    await alice.getByRole("log").getByText("Bob was removed by Alice").waitFor();
    await bob.getByRole("button", { name: "Rejoin" }).click();
    await waitForStatus(bob, "Connected");
    await expect.poll(() => joinedLines.count(), { timeout: 15_000 }).toBe(2);
    expect(problems.take()).toEqual([]);
  });

  it("turns Today into Yesterday at local midnight, without a reload", async () => {
    const room = newRoom();
    const { context, page } = await person("night-owl");
    const now = new Date();
    // Ten seconds before this browser's midnight (the browser runs in the machine's time zone, as this test does).
    const lateEvening = new Date(now.getFullYear(), now.getMonth(), now.getDate(), 23, 59, 50);
    await context.clock.install({ time: lateEvening });
    await openRoom(page, suite.server.url, room, "Owl");
    await sendMessage(page, "nearly midnight");
    await waitForMessage(page, "nearly midnight");
    const days = page.getByRole("log").locator("li.day");
    expect(await days.allTextContents()).toEqual(["Today"]);
    await context.clock.fastForward(20_000);
    await expect.poll(() => days.allTextContents(), { timeout: 15_000 }).toEqual(["Yesterday"]);
    expect(problems.take()).toEqual([]);
  });
});
