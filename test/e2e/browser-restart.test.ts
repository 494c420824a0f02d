import { mkdtempSync } from "node:fs";
import { connect, createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  launchChromium,
  newPerson,
  openRoom,
  PageProblems,
  screenshot,
  sendMessage,
  WAIT_MS,
  waitForMessage,
  waitForStatus,
} from "../support/browser";
import { type DevServer, freePort, startDevServer } from "../support/dev-server";

/**
 * A TCP relay on a fixed port, so the pages keep one address while wrangler
 * dev (which gets a new free port on every start) is stopped and started.
 * With no server behind it, it hangs up at once, like a closed port.
 */
type Relay = { url: string; target: (port: number | null) => void; close: () => Promise<void> };

async function startRelay(): Promise<Relay> {
  let upstream: number | null = null;
  const open = new Set<Socket>();
  const server: Server = createServer((client) => {
    if (upstream === null) {
      client.destroy();
      return;
    }
    const backend = connect(upstream, "127.0.0.1");
    for (const socket of [client, backend]) {
      open.add(socket);
      socket.on("close", () => open.delete(socket));
      socket.on("error", () => {
        client.destroy();
        backend.destroy();
      });
    }
    client.pipe(backend);
    backend.pipe(client);
    backend.on("close", () => client.destroy());
    client.on("close", () => backend.destroy());
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${port}`,
    target(next) {
      upstream = next;
    },
    async close() {
      for (const socket of open) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

// While the server is down, Chromium itself logs each refused reconnect as
// "WebSocket connection to 'ws://…' failed: …". That is the browser reporting
// the outage this test makes, not a page error; anything else still fails.
// So is "Failed to load resource: net::ERR_…" from the page asking the socket
// URL why it cannot connect (once per outage: an unanswered question is not repeated).
const OUTAGE_NOISE =
  /: console error: (WebSocket connection to 'ws:\/\/127\.0\.0\.1:\d+\/api\/rooms\/[^']+' failed|Failed to load resource: net::ERR_)/;

let browser: Browser;
let relay: Relay;
const servers: DevServer[] = [];
const contexts: BrowserContext[] = [];
const problems = new PageProblems();

beforeAll(async () => {
  [browser, relay] = await Promise.all([launchChromium(), startRelay()]);
});
afterAll(async () => {
  await Promise.all(contexts.map((c) => c.close()));
  await browser?.close();
  await relay?.close();
  await Promise.all(servers.map((s) => s.stop()));
});

async function person(label: string, viewport = { width: 1100, height: 760 }): Promise<Page> {
  const { context, page } = await newPerson(browser, problems, label, { viewport });
  contexts.push(context);
  return page;
}

async function countInLog(page: Page, text: string): Promise<number> {
  return page.getByRole("log").locator(".text").getByText(text, { exact: true }).count();
}

describe("the dev server restarting mid-conversation", () => {
  it("delivers a message typed during the outage exactly once after reconnecting", async () => {
    const persistTo = mkdtempSync(join(tmpdir(), "parley-restart-"));
    const first = await startDevServer({ persistTo });
    servers.push(first);
    relay.target(first.port);

    const room = `restart-${crypto.randomUUID()}`;
    const alice = await openRoom(await person("alice"), relay.url, room, "Alice");
    const bob = await openRoom(await person("bob", { width: 390, height: 760 }), relay.url, room, "Bob");
    await sendMessage(alice, "before the restart");
    await waitForMessage(bob, "before the restart");

    // Down: both pages notice and say so.
    relay.target(null);
    await first.stop();
    await Promise.all([waitForStatus(alice, "Reconnecting…"), waitForStatus(bob, "Reconnecting…")]);

    const outageText = "typed while the server was down";
    await sendMessage(alice, outageText);
    const own = alice.getByRole("log").getByRole("listitem").filter({ hasText: outageText });
    await own.getByText("Sending…").waitFor();
    await screenshot(alice, "restart-outage-desktop");

    // Up again, with the same storage: the pages reconnect and catch up.
    const second = await startDevServer({ persistTo });
    servers.push(second);
    relay.target(second.port);
    // The backoff may wait up to 10 s between attempts.
    await Promise.all([waitForStatus(alice, "Connected"), waitForStatus(bob, "Connected")]);
    await own.getByText("Sent", { exact: true }).waitFor({ timeout: WAIT_MS });
    await waitForMessage(bob, outageText);
    await sendMessage(bob, "welcome back");
    await waitForMessage(alice, "welcome back");
    await screenshot(bob, "restart-after-phone");

    expect(await countInLog(bob, outageText)).toBe(1);
    expect(await countInLog(alice, outageText)).toBe(1);
    // The room stored it once: a newcomer's history has it once, in order.
    const carol = await openRoom(await person("carol"), relay.url, room, "Carol");
    await waitForMessage(carol, "welcome back");
    expect(await carol.getByRole("log").locator(".text").allTextContents()).toEqual([
      "before the restart",
      outageText,
      "welcome back",
    ]);

    const seen = problems.take();
    expect(seen.filter((problem) => !OUTAGE_NOISE.test(problem))).toEqual([]);
  });

  it("shows no one joining or leaving when a restart brings everyone back", async () => {
    const persistTo = mkdtempSync(join(tmpdir(), "parley-restart-"));
    const first = await startDevServer({ persistTo });
    servers.push(first);
    relay.target(first.port);

    const room = `restart-${crypto.randomUUID()}`;
    const people = await Promise.all(
      ["Alice", "Bob", "Carol"].map(async (name) => openRoom(await person(name.toLowerCase()), relay.url, room, name)),
    );
    const [alice, bob] = people as [Page, Page, Page];
    await sendMessage(alice, "before the restart");
    for (const page of people) await waitForMessage(page, "before the restart");
    // Joins seen before the restart are settled: a join line is told 1.5 s after it happens and
    // grows while others join, so wait past that (who joined whom first depends on timing).
    await alice.waitForTimeout(2_500);
    const before = await Promise.all(people.map((p) => p.getByRole("log").locator(".presence").allTextContents()));

    relay.target(null);
    await first.stop();
    await Promise.all(people.map((p) => waitForStatus(p, "Reconnecting…")));
    const second = await startDevServer({ persistTo });
    servers.push(second);
    relay.target(second.port);
    await Promise.all(people.map((p) => waitForStatus(p, "Connected")));
    await sendMessage(bob, "back again");
    for (const page of people) await waitForMessage(page, "back again");
    // Longer than a join takes to be told: nothing new was said about anyone.
    await alice.waitForTimeout(3_000);
    const after = await Promise.all(people.map((p) => p.getByRole("log").locator(".presence").allTextContents()));
    expect(after).toEqual(before);
    for (const page of people) {
      expect(await page.getByRole("list", { name: "Online" }).getByRole("listitem").count()).toBe(3);
    }
    expect(problems.take().filter((problem) => !OUTAGE_NOISE.test(problem))).toEqual([]);
  });
});
