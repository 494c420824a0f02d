import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { MessageStore } from "../../src/room/log/message-store";
import { roomConfig } from "../../src/room/room-config";
import { LIMITS } from "../../src/shared/protocol";
import { freshRoom, join, type TestClient } from "./helpers";

const BIG_TEXT = "✉".repeat(LIMITS.textMax);
const BUDGET = roomConfig(env).historyBytesPerMinute;
const utf8Bytes = (s: string) => new TextEncoder().encode(s).byteLength;

/** A room holding `count` maximal messages (6 KB each), written straight to storage. */
async function bigRoom(count: number): Promise<string> {
  const room = freshRoom();
  await runInDurableObject(env.ROOMS.getByName(room), (_room, state) => {
    const store = new MessageStore(state.storage, { keep: count });
    for (let i = 1; i <= count; i++) store.append("n:writer", "writer", `m${i}`, BIG_TEXT, Date.now());
  });
  await evictDurableObject(env.ROOMS.getByName(room), { webSockets: "hibernate" });
  return room;
}

/** Bytes of history (welcome, catchup and older frames) this client has received. */
function historyBytes(client: TestClient): number {
  return client.raw
    .filter((raw) => /^\{"type":"(welcome|catchup|older)"/.test(raw))
    .reduce((sum, raw) => sum + utf8Bytes(raw), 0);
}

/** Sends a request with a fresh id and waits for the frame that answers it. */
async function answer(client: TestClient, frame: Record<string, unknown>) {
  const id = crypto.randomUUID();
  const from = client.frames.length;
  client.send({ ...frame, id });
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    const reply = client.frames.slice(from).find((f) => "id" in f && f.id === id && f.type !== "ack");
    if (reply) return reply;
    if (client.closeEvent) throw new Error(`closed ${client.closeEvent.code} ${client.closeEvent.reason}`);
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`no answer to ${JSON.stringify(frame)}`);
}

describe("catch-up only while catching up", () => {
  it("refuses a lying reader that asks for the same pages again, and sends nothing twice", async () => {
    const room = await bigRoom(200);
    const reader = await join(room, "reader", "&since=0");
    const welcome = await reader.next("welcome");
    expect(welcome.more).toBe(true);
    const end = welcome.history.at(-1)?.seq ?? 0;
    for (let i = 0; i < 5; i++) {
      expect(await answer(reader, { type: "catchup", since: 0 })).toMatchObject({
        type: "error",
        code: "bad_message",
        message: expect.stringContaining(`from seq ${end}`),
      });
    }
    // From where the welcome ended, it goes on.
    const page = await answer(reader, { type: "catchup", since: end });
    expect(page).toMatchObject({ type: "catchup" });
    expect(page.type === "catchup" && page.history[0]?.seq).toBe(end + 1);
    expect(historyBytes(reader)).toBeLessThan(2 * LIMITS.pageBytesMax + 10_000);
  });

  it("refuses catch-up to a socket that is not catching up", async () => {
    const room = await bigRoom(3);
    const live = await join(room, "live");
    expect(await answer(live, { type: "catchup", since: 0 })).toMatchObject({
      type: "error",
      code: "bad_message",
      message: expect.stringContaining("not catching up"),
    });
    expect(live.of("catchup")).toEqual([]);
  });
});

describe("history a minute per socket", () => {
  it("refuses history past HISTORY_BYTES_PER_MINUTE with retryAfterMs, then goes on from the same page", async () => {
    // About 5 MB: more than the budget (4 MiB in these tests), so catching up from the start must wait.
    const room = await bigRoom(800);
    const reader = await join(room, "reader", "&since=0");
    let since = (await reader.next("welcome")).history.at(-1)?.seq ?? 0;
    let refused: { retryAfterMs?: number } | null = null;
    while (refused === null) {
      const reply = await answer(reader, { type: "catchup", since });
      // Too many frames at once is another budget: wait as the page would.
      if (reply.type === "error" && !reply.message.includes("history")) {
        await new Promise((r) => setTimeout(r, reply.retryAfterMs ?? 100));
      } else if (reply.type === "error") refused = reply;
      else if (reply.type === "catchup") {
        since = reply.history.at(-1)?.seq ?? since;
        // Reports what it read, as the page does, or the room closes it as a stalled reader.
        reader.send({ type: "received", chars: reader.raw.reduce((n, r) => n + r.length, 0) });
      }
    }
    expect(refused).toMatchObject({ code: "rate_limited", retryAfterMs: expect.any(Number) });
    expect(historyBytes(reader)).toBeGreaterThan(BUDGET - LIMITS.pageBytesMax);
    expect(historyBytes(reader)).toBeLessThanOrEqual(BUDGET + LIMITS.pageBytesMax + 10_000);
    await new Promise((r) => setTimeout(r, refused?.retryAfterMs ?? 0));
    const page = await answer(reader, { type: "catchup", since });
    expect(page).toMatchObject({ type: "catchup" });
    expect(page.type === "catchup" && page.history[0]?.seq).toBe(since + 1);
  });
});

describe("search answers share the history budget", () => {
  it("refuses a search past HISTORY_BYTES_PER_MINUTE with retryAfterMs, as it does history", async () => {
    // 400 messages of 2,000 three-byte letters (6 KB each) that all match "find": about 2.4 MB a pass.
    const room = freshRoom();
    await runInDurableObject(env.ROOMS.getByName(room), (_room, state) => {
      const store = new MessageStore(state.storage, { keep: 400 });
      const text = `find ${"語".repeat(LIMITS.textMax - 5)}`;
      for (let i = 1; i <= 400; i++) store.append("n:writer", "writer", `m${i}`, text, Date.now());
    });
    const searcher = await join(room, "searcher");
    await searcher.next("welcome");
    let before: number | undefined;
    let refused: { retryAfterMs?: number } | null = null;
    let answered = 0;
    while (refused === null && answered < 100) {
      const reply = await answer(searcher, { type: "search", q: "find", limit: 50, ...(before ? { before } : {}) });
      if (reply.type === "error" && !reply.message.includes("history")) {
        await new Promise((r) => setTimeout(r, reply.retryAfterMs ?? 100));
      } else if (reply.type === "error") refused = reply;
      else if (reply.type === "search") {
        answered++;
        // Page back, and start over from the newest when the oldest is reached.
        before = reply.more ? reply.messages.at(-1)?.seq : undefined;
        searcher.send({ type: "received", chars: searcher.raw.reduce((n, r) => n + r.length, 0) });
      }
    }
    expect(refused).toMatchObject({ code: "rate_limited", retryAfterMs: expect.any(Number) });
    const searchBytes = searcher.raw
      .filter((raw) => raw.startsWith('{"type":"search"'))
      .reduce((sum, raw) => sum + utf8Bytes(raw), 0);
    expect(searchBytes + historyBytes(searcher)).toBeLessThanOrEqual(BUDGET + LIMITS.pageBytesMax + 10_000);
    expect(searchBytes).toBeGreaterThan(BUDGET / 2);
  });
});
