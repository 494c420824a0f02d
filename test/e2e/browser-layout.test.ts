import type { Browser, BrowserContext, Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  launchChromium,
  newPerson,
  openRoom,
  PageProblems,
  screenshot,
  sendMessage,
  waitForMessage,
} from "../support/browser";
import { type DevServer, startDevServer } from "../support/dev-server";

const PHONE = { width: 360, height: 640 };
const DESKTOP = { width: 1280, height: 800 };

let server: DevServer;
let browser: Browser;
const problems = new PageProblems();
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  [server, browser] = await Promise.all([startDevServer(), launchChromium()]);
});
afterAll(async () => {
  await Promise.all(contexts.map((c) => c.close()));
  await browser?.close();
  await server?.stop();
});

async function person(label: string, options: Parameters<typeof newPerson>[3]): Promise<Page> {
  const { context, page } = await newPerson(browser, problems, label, options);
  contexts.push(context);
  return page;
}

/** Fully inside the viewport's width, and not hidden. */
async function expectOnScreen(page: Page, locator: Locator): Promise<void> {
  await locator.waitFor({ state: "visible" });
  const box = await locator.boundingBox();
  const width = page.viewportSize()?.width ?? 0;
  expect(box, `${locator} has a box`).not.toBeNull();
  if (!box) return;
  expect(box.x, `${locator} starts on screen`).toBeGreaterThanOrEqual(0);
  expect(box.x + box.width, `${locator} ends on screen`).toBeLessThanOrEqual(width + 0.5);
}

async function horizontalOverflow(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const wide: string[] = [];
    const root = document.documentElement;
    if (root.scrollWidth > root.clientWidth) wide.push(`page: ${root.scrollWidth} > ${root.clientWidth}`);
    for (const element of document.querySelectorAll<HTMLElement>("body *")) {
      const style = getComputedStyle(element);
      const scrolls = style.overflowX === "auto" || style.overflowX === "scroll";
      if (scrolls && element.scrollWidth > element.clientWidth) {
        wide.push(`${element.id || element.className}: ${element.scrollWidth} > ${element.clientWidth}`);
      }
    }
    return wide;
  });
}

/** A conversation worth looking at, for the phone and desktop checks and the README. */
async function converse(room: string, alice: Page, others: Page[]): Promise<void> {
  const bob = others[0] as Page;
  await sendMessage(bob, "Morning! Did the deploy go out?");
  await sendMessage(alice, "It did, about ten minutes ago.");
  await sendMessage(alice, "Rooms survive eviction now, so idle ones cost nothing.");
  await sendMessage(bob, "Nice. <b>Markup</b> stays text, by the way.");
  await sendMessage(
    bob,
    `A long link does not widen the page: https://example.com/${"very-long-path-segment-".repeat(6)}${room}`,
  );
  for (const page of [alice, ...others]) await waitForMessage(page, "Nice. <b>Markup</b> stays text, by the way.");
}

describe("layout from a phone to a desktop", () => {
  it("shows everything on a 360 px phone without horizontal scrolling", async () => {
    // The longest a person is likely to pick: a 56-character room and a 32-character name without a space.
    const room = `layout-${crypto.randomUUID()}`.padEnd(56, "x");
    const longName = "Maximilian_Alexander_Sebastian_Q";
    expect([room.length, longName.length]).toEqual([56, 32]);
    const phone = await openRoom(
      await person("phone", { viewport: PHONE, hasTouch: true, isMobile: true }),
      server.url,
      room,
      longName,
    );
    const bob = await openRoom(await person("bob", { viewport: DESKTOP }), server.url, room, "Bob");
    const carol = await openRoom(
      await person("carol", { viewport: DESKTOP }),
      server.url,
      room,
      "Carolina_Wilhelmina_Featherstone",
    );
    await sendMessage(carol, "Hi from the longest name in the room");
    await converse(room, phone, [bob]);
    await waitForMessage(phone, "Hi from the longest name in the room");
    await phone
      .getByRole("log")
      .getByText(/^A long link/)
      .waitFor();
    await bob.getByLabel("Message", { exact: true }).pressSequentially("typing", { delay: 30 });
    await phone.getByText("Bob is typing…").waitFor();

    expect(await horizontalOverflow(phone)).toEqual([]);
    expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
    for (const locator of [
      phone.getByRole("status"),
      phone.getByRole("button", { name: "Copy link" }),
      phone.getByRole("list", { name: "Online" }),
      phone.getByRole("log"),
      phone.getByLabel("Message", { exact: true }),
      phone.getByRole("button", { name: "Send", exact: true }),
      phone.getByText("Bob is typing…"),
    ]) {
      await expectOnScreen(phone, locator);
    }
    // The composer stays at the bottom of the screen, above nothing.
    const send = await phone.getByRole("button", { name: "Send", exact: true }).boundingBox();
    expect((send?.y ?? 0) + (send?.height ?? 0)).toBeLessThanOrEqual(PHONE.height);
    await screenshot(phone, "phone-light");

    const landing = await person("landing-phone", { viewport: PHONE, isMobile: true, colorScheme: "dark" });
    await landing.goto(`${server.url}/`);
    expect(await horizontalOverflow(landing)).toEqual([]);
    await expectOnScreen(landing, landing.getByLabel("Room"));
    await expectOnScreen(landing, landing.getByRole("button", { name: "Join" }));
    await screenshot(landing, "landing-phone-dark");
    expect(problems.take()).toEqual([]);
  });

  it("lays out a wide desktop, light and dark, following the system setting", async () => {
    const room = `layout-${crypto.randomUUID()}`;
    const alice = await openRoom(await person("alice", { viewport: DESKTOP }), server.url, room, "Alice");
    const bob = await openRoom(
      await person("bob", { viewport: DESKTOP, colorScheme: "dark" }),
      server.url,
      room,
      "Bob",
    );
    const phone = await openRoom(
      await person("carol", { viewport: PHONE, colorScheme: "dark", isMobile: true }),
      server.url,
      room,
      "Carol",
    );
    await converse(room, alice, [bob, phone]);
    await bob.getByLabel("Message", { exact: true }).pressSequentially("Sounds good", { delay: 30 });
    await alice.getByText("Bob is typing…").waitFor();

    expect(await horizontalOverflow(alice)).toEqual([]);
    // The people list sits beside the conversation on a wide screen.
    const log = await alice.getByRole("log").boundingBox();
    const online = await alice.getByRole("list", { name: "Online" }).boundingBox();
    expect(online?.x ?? 0).toBeGreaterThan((log?.x ?? 0) + (log?.width ?? 0) - 1);

    // Light and dark follow prefers-color-scheme.
    const background = (page: Page) => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    expect(await background(alice)).not.toBe(await background(bob));
    await screenshot(alice, "desktop-light");
    await screenshot(bob, "desktop-dark");
    await screenshot(phone, "phone-dark");

    const landing = await person("landing", { viewport: DESKTOP });
    await landing.goto(`${server.url}/`);
    await screenshot(landing, "landing-desktop");
    expect(problems.take()).toEqual([]);
  });
});
