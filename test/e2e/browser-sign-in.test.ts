import { sign } from "hono/jwt";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  launchChromium,
  newPerson,
  PageProblems,
  screenshot,
  sendMessage,
  WAIT_MS,
  waitForMessage,
  waitForStatus,
} from "../support/browser";
import { type DevServer, startDevServer } from "../support/dev-server";

// A deployment where people sign in with the deployer's app (AUTH = "jwt"):
// the page takes the token from the link, keeps it for this site's tabs, uses
// the name the room gives it, and never asks a signed-in person for a name.

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
const token = (
  sub: string,
  name: string,
  { expiresInSeconds = 3600, rooms }: { expiresInSeconds?: number; rooms?: string[] } = {},
) => sign({ sub, name, exp: Math.floor(Date.now() / 1000) + expiresInSeconds, ...(rooms ? { rooms } : {}) }, SECRET);

/** A person in a browser of their own, whose page records whether it ever asks for a name. */
async function person(label: string): Promise<{ context: BrowserContext; page: Page }> {
  const made = await newPerson(browser, problems, label);
  contexts.push(made.context);
  await recordNameDialog(made.page);
  return made;
}

/** Another tab in the same browser (same storage and cookies), recorded like the first. */
async function newTab(context: BrowserContext, label: string): Promise<Page> {
  const page = problems.watch(await context.newPage(), label);
  await recordNameDialog(page);
  return page;
}

type Recorded = { askedForName?: boolean };
/** From before the page's script runs: a name dialog shown even for a moment is seen. */
async function recordNameDialog(page: Page): Promise<void> {
  await page.addInitScript(() => {
    new MutationObserver(() => {
      if (document.querySelector("dialog#join[open]")) (window as Recorded).askedForName = true;
    }).observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ["open"] });
  });
}
const askedForName = (page: Page) => page.evaluate(() => (window as Recorded).askedForName === true);

/** Waits until the page is in, or has stopped trying: a refusal fails the test with the page's own words. */
async function expectConnected(page: Page): Promise<void> {
  const status = page.locator("#status");
  await page.locator('#status[data-state="connected"], #status[data-state="stopped"]').waitFor({ timeout: WAIT_MS });
  if ((await status.getAttribute("data-state")) === "connected") return;
  const notice = await page.locator("#notice-text").textContent();
  expect.fail(`the page did not get in: “${await status.textContent()}”, “${notice}”`);
}

const me = (page: Page) => page.locator("#online li.me .person").textContent();
const onlineNames = async (page: Page) => (await page.locator("#online .person").allTextContents()).sort();
const senderOf = (page: Page, text: string) =>
  page.getByRole("log").getByRole("listitem").filter({ hasText: text }).locator(".sender").textContent();
const changeName = (page: Page) => page.getByRole("button", { name: "Change name" });
// What the browser itself logs when an upgrade, or the GET that asks why, is refused.
const REFUSAL_NOISE =
  /console error: (WebSocket connection to .* failed|Failed to load resource: the server responded with a status of 40[13])/;

describe("signing in with a token", () => {
  it("joins with the token from the link, under the name the sign-in gives, and hides the token", async () => {
    const room = newRoom();
    const { page: ada } = await person("ada");
    const adaToken = await token("user-ada", "Ada Lovelace");
    await ada.goto(`${server.url}/${room}?token=${adaToken}`);
    await expectConnected(ada);
    expect(await me(ada)).toBe("Ada Lovelace");
    expect(await changeName(ada).isVisible()).toBe(false);
    // Out of the address bar (and so out of bookmarks and history), kept for this site's tabs.
    expect(new URL(ada.url()).searchParams.has("token")).toBe(false);
    expect(await ada.evaluate(() => localStorage.getItem("parley:tokens"))).toBe(JSON.stringify([adaToken]));

    const { page: bob } = await person("bob");
    await bob.goto(`${server.url}/${room}?name=Mallory&token=${await token("user-bob", "Bob")}`);
    await expectConnected(bob);
    expect(await me(bob)).toBe("Bob");
    await sendMessage(ada, "Signed and sealed");
    await waitForMessage(bob, "Signed and sealed");
    expect(await senderOf(bob, "Signed and sealed")).toBe("Ada Lovelace");

    // A reload keeps the sign-in.
    await ada.reload();
    await expectConnected(ada);
    expect(await me(ada)).toBe("Ada Lovelace");
    expect(await askedForName(ada)).toBe(false);
    expect(await askedForName(bob)).toBe(false);
    expect(problems.take()).toEqual([]);
  });

  it("shows two signed-in people with the same name apart: the second is “Alex (2)”, and neither is asked for a name", async () => {
    const room = newRoom();
    const { page: first } = await person("alex-1");
    await first.goto(`${server.url}/${room}?token=${await token("user-alex-1", "Alex")}`);
    await expectConnected(first);
    const { page: second } = await person("alex-2");
    await second.goto(`${server.url}/${room}?token=${await token("user-alex-2", "Alex")}`);
    // The room never refuses a sign-in's name as taken: it shows this person with a suffix.
    await expectConnected(second);
    expect(await me(first)).toBe("Alex");
    expect(await me(second)).toBe("Alex (2)");
    await second.getByText("Someone else in this room goes by “Alex”: here you are “Alex (2)”.").waitFor();
    for (const page of [first, second]) {
      await expect.poll(() => onlineNames(page), { timeout: WAIT_MS }).toEqual(["Alex", "Alex (2)"]);
    }

    await sendMessage(first, "Hello from the first Alex");
    await waitForMessage(second, "Hello from the first Alex");
    await sendMessage(second, "Hello from the second Alex");
    await waitForMessage(first, "Hello from the second Alex");
    expect(await senderOf(second, "Hello from the first Alex")).toBe("Alex");
    expect(await senderOf(first, "Hello from the second Alex")).toBe("Alex (2)");
    expect(await senderOf(second, "Hello from the second Alex")).toBe("Alex (2)");
    await screenshot(second, "sign-in-same-name");

    // The suffix is theirs in this room: it comes back with them.
    await second.reload();
    await expectConnected(second);
    expect(await me(second)).toBe("Alex (2)");
    for (const page of [first, second]) {
      expect(await askedForName(page)).toBe(false);
      expect(await changeName(page).isVisible()).toBe(false);
    }
    expect(problems.take()).toEqual([]);
  });

  it("lets a signed-in person open the room in a new tab without being asked for a name", async () => {
    const room = newRoom();
    const otherRoom = newRoom();
    const { context, page: ada } = await person("ada");
    await ada.goto(`${server.url}/${room}?token=${await token("user-ada", "Ada Lovelace", { rooms: [room] })}`);
    await expectConnected(ada);

    const tab = await newTab(context, "ada-tab");
    await tab.goto(`${server.url}/${room}`);
    await expectConnected(tab);
    expect(await me(tab)).toBe("Ada Lovelace");
    // One person with two tabs is one name online.
    await expect.poll(() => onlineNames(ada), { timeout: WAIT_MS }).toEqual(["Ada Lovelace"]);

    // A token for one room is kept for that room: elsewhere she is told to sign in, not asked for a name.
    const elsewhere = await newTab(context, "ada-elsewhere");
    await elsewhere.goto(`${server.url}/${otherRoom}`);
    await waitForStatus(elsewhere, "Not signed in");
    await elsewhere.getByText("You need to sign in to join this room.").waitFor();
    for (const page of [ada, tab, elsewhere]) expect(await askedForName(page)).toBe(false);
    expect(problems.take().filter((p) => !REFUSAL_NOISE.test(p))).toEqual([]);
  });

  it("uses the parley_token cookie when the app set one, readable or HttpOnly, without asking for a name", async () => {
    const room = newRoom();
    const { context, page } = await person("grace");
    // A cookie the page can read: it knows at once that a sign-in gives the name.
    await context.addCookies([
      { name: "parley_token", value: await token("user-grace", "Grace Hopper"), url: server.url },
    ]);
    await page.goto(`${server.url}/${room}`);
    await expectConnected(page);
    expect(await me(page)).toBe("Grace Hopper");
    expect(await askedForName(page)).toBe(false);

    // An HttpOnly cookie hides from the page, but the worker marks a signed-in deployment's pages: never asked.
    const { context: hidden, page: ida } = await person("ida");
    await hidden.addCookies([
      { name: "parley_token", value: await token("user-ida", "Ida Rhodes"), url: server.url, httpOnly: true },
    ]);
    await ida.goto(`${server.url}/${room}`);
    await expectConnected(ida);
    expect(await me(ida)).toBe("Ida Rhodes");
    expect(await askedForName(ida)).toBe(false);
    expect(await changeName(ida).isVisible()).toBe(false);
    const again = await newTab(hidden, "ida-tab");
    await again.goto(`${server.url}/${room}`);
    await expectConnected(again);
    expect(await me(again)).toBe("Ida Rhodes");
    expect(await askedForName(again)).toBe(false);
    expect(problems.take()).toEqual([]);
  });

  it("says a sign-in has expired, or is missing, says what to do, and stops trying", async () => {
    const room = newRoom();
    const { page: late } = await person("late");
    const sockets: string[] = [];
    late.on("websocket", (ws) => sockets.push(ws.url()));
    await late.goto(`${server.url}/${room}?token=${await token("user-late", "Late", { expiresInSeconds: -60 })}`);
    await waitForStatus(late, "Not signed in");
    await late
      .getByText("Your sign-in has expired. Sign in again: open the link to this room that your app gives you.")
      .waitFor();
    await screenshot(late, "sign-in-expired");
    await late.waitForTimeout(3_000);
    expect(sockets).toHaveLength(1);
    // The refused token is forgotten, and this browser knows the site signs people in: told, not asked.
    expect(await late.evaluate(() => localStorage.getItem("parley:tokens"))).toBe("[]");
    await late.reload();
    await waitForStatus(late, "Not signed in");
    await late.getByText("You need to sign in to join this room. Open the link to it that your app gave you").waitFor();
    expect(await askedForName(late)).toBe(false);

    // A browser that never came here with a token is told by the page itself (the worker marks it): never asked.
    const { page: stranger } = await person("stranger");
    await stranger.goto(`${server.url}/${room}`);
    await waitForStatus(stranger, "Not signed in");
    await stranger
      .getByText("You need to sign in to join this room. Open the link to it that your app gave you")
      .waitFor();
    expect(await askedForName(stranger)).toBe(false);
    expect(problems.take().filter((p) => !REFUSAL_NOISE.test(p))).toEqual([]);
  });

  it("gives a visitor without a token the deployment's sign-in link (AUTH_SIGN_IN_URL), and never asks for a name", async () => {
    const signInUrl = "https://app.example/sign-in";
    const withLink = await startDevServer({ vars: { AUTH: "jwt", AUTH_SECRET: SECRET, AUTH_SIGN_IN_URL: signInUrl } });
    try {
      const room = newRoom();
      const { page: visitor } = await person("visitor");
      await visitor.goto(`${withLink.url}/${room}`);
      await waitForStatus(visitor, "Not signed in");
      await visitor.getByText("You need to sign in to join this room. Sign in, then come back to this page.").waitFor();
      const link = visitor.getByRole("link", { name: "Sign in" });
      expect(await link.getAttribute("href")).toBe(signInUrl);
      expect(await askedForName(visitor)).toBe(false);
      await screenshot(visitor, "sign-in-missing");
      expect(problems.take().filter((p) => !REFUSAL_NOISE.test(p))).toEqual([]);
    } finally {
      await withLink.stop();
    }
  });
});
