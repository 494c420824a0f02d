import { sign } from "hono/jwt";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  launchChromium,
  newPerson,
  PageProblems,
  screenshot,
  sendMessage,
  waitForMessage,
  waitForStatus,
} from "../support/browser";
import { type DevServer, startDevServer } from "../support/dev-server";

// A deployment where people sign in with the deployer's app (AUTH = "jwt"):
// the page takes the token from the link, keeps it for the tab, and uses the
// name the room gives it.

const SECRET = "parley-test-secret-that-is-long-enough-for-hs256";
let server: DevServer;
let browser: Browser;
const problems = new PageProblems();
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  [server, browser] = await Promise.all([
    startDevServer({ vars: { AUTH: "jwt", AUTH_SECRET: SECRET } }),
    launchChromium(),
  ]);
});
afterEach(async () => {
  await Promise.all(contexts.splice(0).map((c) => c.close()));
});
afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

const newRoom = () => `signed-${crypto.randomUUID()}`;
const token = (sub: string, name: string, expiresInSeconds = 3600) =>
  sign({ sub, name, exp: Math.floor(Date.now() / 1000) + expiresInSeconds }, SECRET);

async function person(label: string): Promise<{ context: BrowserContext; page: Page }> {
  const made = await newPerson(browser, problems, label);
  contexts.push(made.context);
  return made;
}

const me = (page: Page) => page.locator("#online li.me").textContent();
// What the browser itself logs when an upgrade, or the GET that asks why, is refused.
const REFUSAL_NOISE =
  /console error: (WebSocket connection to .* failed|Failed to load resource: the server responded with a status of 401)/;

describe("signing in with a token", () => {
  it("joins with the token from the link, under the name the sign-in gives, and hides the token", async () => {
    const room = newRoom();
    const { page: ada } = await person("ada");
    await ada.goto(`${server.url}/${room}?token=${await token("user-ada", "Ada Lovelace")}`);
    await waitForStatus(ada, "Connected");
    expect(await ada.getByLabel("Your name").isVisible()).toBe(false);
    expect(await me(ada)).toBe("Ada Lovelace");
    // Out of the address bar (and so out of bookmarks and history), kept for this tab.
    expect(new URL(ada.url()).searchParams.has("token")).toBe(false);
    expect(await ada.evaluate(() => sessionStorage.getItem("parley:token"))).toMatch(/^ey/);

    const { page: bob } = await person("bob");
    await bob.goto(`${server.url}/${room}?name=Mallory&token=${await token("user-bob", "Bob")}`);
    await waitForStatus(bob, "Connected");
    expect(await me(bob)).toBe("Bob");
    await sendMessage(ada, "Signed and sealed");
    await waitForMessage(bob, "Signed and sealed");
    const item = bob.getByRole("log").getByRole("listitem").filter({ hasText: "Signed and sealed" });
    expect(await item.locator(".sender").textContent()).toBe("Ada Lovelace");

    // A reload keeps the sign-in.
    await ada.reload();
    await waitForStatus(ada, "Connected");
    expect(await me(ada)).toBe("Ada Lovelace");
    expect(problems.take()).toEqual([]);
  });

  it("uses the parley_token cookie when the app set one, and trusts the room's name over the one typed", async () => {
    const room = newRoom();
    const { context, page } = await person("grace");
    await context.addCookies([
      { name: "parley_token", value: await token("user-grace", "Grace Hopper"), url: server.url },
    ]);
    await page.goto(`${server.url}/${room}`);
    await page.getByLabel("Your name").fill("Whoever");
    await page.getByRole("button", { name: "Enter", exact: true }).click();
    await waitForStatus(page, "Connected");
    expect(await me(page)).toBe("Grace Hopper");
    await page.getByText("Your sign-in gives your name here: Grace Hopper.").waitFor();
    expect(problems.take()).toEqual([]);
  });

  it("says a sign-in has expired, or is missing, and stops trying", async () => {
    const room = newRoom();
    const { page: late } = await person("late");
    const sockets: string[] = [];
    late.on("websocket", (ws) => sockets.push(ws.url()));
    await late.goto(`${server.url}/${room}?token=${await token("user-late", "Late", -60)}`);
    await waitForStatus(late, "Not signed in");
    await late.getByText("Your sign-in has expired. Sign in again").waitFor();
    await screenshot(late, "sign-in-expired");
    await late.waitForTimeout(3_000);
    expect(sockets).toHaveLength(1);

    const { page: stranger } = await person("stranger");
    await stranger.goto(`${server.url}/${room}`);
    await stranger.getByLabel("Your name").fill("Stranger");
    await stranger.getByRole("button", { name: "Enter", exact: true }).click();
    await waitForStatus(stranger, "Not signed in");
    await stranger.getByText("You need to sign in to join this room.").waitFor();
    expect(problems.take().filter((p) => !REFUSAL_NOISE.test(p))).toEqual([]);
  });
});
