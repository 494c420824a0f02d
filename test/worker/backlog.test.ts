import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { ChatRoom } from "../../src/room/chat-room";
import { MessageStore } from "../../src/room/log/message-store";
import { LIMITS } from "../../src/shared/protocol";
import { catchUp, freshRoom, join, type TestClient } from "./helpers";

const BIG_TEXT = "✉".repeat(LIMITS.textMax);

/** A room holding `count` maximal messages, written straight to storage. */
async function bigRoom(count: number): Promise<string> {
  const room = freshRoom();
  await runInDurableObject(env.ROOMS.getByName(room), (_room, state) => {
    const store = new MessageStore(state.storage);
    for (let i = 1; i <= count; i++) store.append("n:writer", "writer", `m${i}`, BIG_TEXT, Date.now());
  });
  // Reloaded, so the room reads what was written behind its back.
  await evictDurableObject(env.ROOMS.getByName(room), { webSockets: "hibernate" });
  return room;
}

const utf8Bytes = (s: string) => new TextEncoder().encode(s).byteLength;

/** Reports progress as the page does: all characters received on this socket, pong excluded. */
function report(client: TestClient): void {
  const chars = client.raw.filter((r) => r !== "pong").reduce((sum, r) => sum + r.length, 0);
  client.send({ type: "received", chars });
}

describe("bounded answers", () => {
  it("caps the welcome at pageBytesMax and sends the rest in catch-up pages, each capped too", async () => {
    const room = await bigRoom(300);
    const reader = await join(room, "reader", "&since=0");
    const welcome = reader.of("welcome")[0];
    expect(welcome?.more).toBe(true);
    expect(utf8Bytes(reader.raw[0] ?? "")).toBeLessThanOrEqual(LIMITS.pageBytesMax + 1024);
    const pages: string[] = [];
    let history = welcome?.history ?? [];
    let more = true;
    while (more) {
      reader.send({ type: "catchup", id: `c${pages.length}`, since: history.at(-1)?.seq ?? 0 });
      const page = await reader.next("catchup", (f) => f.id === `c${pages.length}`);
      pages.push(reader.raw.at(-1) ?? "");
      history = [...history, ...page.history];
      more = page.more;
      report(reader);
    }
    expect(pages.length).toBeGreaterThan(1);
    for (const raw of pages) expect(utf8Bytes(raw)).toBeLessThanOrEqual(LIMITS.pageBytesMax + 1024);
    expect(history.map((m) => m.seq)).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
  });

  it("sends a fresh join the latest messages that fit, newest last", async () => {
    const room = await bigRoom(LIMITS.historyOnJoin);
    const reader = await join(room, "reader");
    const welcome = reader.of("welcome")[0];
    expect(utf8Bytes(reader.raw[0] ?? "")).toBeLessThanOrEqual(LIMITS.pageBytesMax + 1024);
    expect(welcome?.history.at(-1)?.seq).toBe(LIMITS.historyOnJoin);
    expect(welcome?.history.length).toBeLessThan(LIMITS.historyOnJoin);
  });

  it("holds live messages from a socket still catching up, then sends them after its last page", async () => {
    const room = await bigRoom(200);
    const reader = await join(room, "reader", "&since=0");
    const writer = await join(room, "writer");
    writer.send({ type: "send", id: "live", text: "while you were catching up" });
    await writer.next("ack");
    const history = await catchUp(reader);
    const live = history.filter((m) => m.type === "message" && m.id === "live");
    expect(live).toHaveLength(1);
    expect(reader.of("message")).toEqual([]);
    writer.send({ type: "send", id: "after", text: "now live" });
    expect(await reader.next("message")).toMatchObject({ id: "after", seq: 202 });
  });
});

/** The catch-up page with this id, or null once the socket is closed instead. */
async function pageOrClose(client: TestClient, id: string) {
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    const page = client.of("catchup").find((f) => f.id === id);
    if (page) return page;
    if (client.closeEvent) return null;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(
    `neither page ${id} nor a close arrived; ${client.raw.length} frames, ${client.raw.map((r) => r.slice(0, 80)).slice(-3)}`,
  );
}

describe("bounded memory per socket", () => {
  it("closes a reader that falls more than backlogCharsMax behind with 1013, and keeps one that reports", async () => {
    // 1.2 M characters (3.6 MB): past the backlog bound, within the tests' history budget (4 MiB a minute).
    const room = await bigRoom(600);
    const stalled = await join(room, "stalled", "&since=0");
    const reading = await join(room, "reading", "&since=0");
    report(reading);
    // Each asks for every page; only one says what it has read.
    const pageThrough = async (client: TestClient, reports: boolean) => {
      let since = client.of("welcome")[0]?.history.at(-1)?.seq ?? 0;
      for (let i = 0; i < 50 && !client.closeEvent; i++) {
        // Within the rate limit: a burst, then its sustained pace.
        if (i >= LIMITS.rateBurst - 2) await new Promise((r) => setTimeout(r, 1000 / LIMITS.ratePerSecond + 20));
        client.send({ type: "catchup", id: `p${i}`, since });
        const page = await pageOrClose(client, `p${i}`);
        if (!page) break;
        since = page.history.at(-1)?.seq ?? since;
        if (reports) report(client);
        if (!page.more) break;
      }
    };
    await Promise.all([pageThrough(stalled, false), pageThrough(reading, true)]);
    const closed = await stalled.closed();
    expect(closed.code).toBe(1013);
    expect(closed.reason).toBe("too far behind");
    const sent = stalled.raw.reduce((sum, r) => sum + r.length, 0);
    // The bound, beyond the room's own lag: at most the page the other reader had not yet reported.
    expect(sent).toBeLessThanOrEqual(LIMITS.backlogCharsMax + LIMITS.pageBytesMax);
    expect(reading.closeEvent).toBeNull();
    expect(reading.of("catchup").at(-1)?.more).toBe(false);
  });
});

describe("readers that stop reading in a quiet room", () => {
  it("closes a reader that reported once, then went silent with frames unread, while it still pings", async () => {
    const room = await bigRoom(100);
    const stub = env.ROOMS.getByName(room);
    const reader = await join(room, "reader", "&since=0");
    report(reader);
    const awake = await join(room, "awake");
    report(awake);
    // Far below the bound, but more than a report's worth, and then nothing more is reported.
    const welcome = await reader.next("welcome");
    reader.send({ type: "catchup", id: "c", since: welcome.history.at(-1)?.seq ?? 0 });
    await reader.next("catchup");
    reader.sendRaw("ping");
    awake.sendRaw("ping");
    await new Promise((r) => setTimeout(r, 50));
    const pruned = await runInDurableObject(stub, (instance: ChatRoom) =>
      instance.pruneIdleSockets(Date.now() + LIMITS.idleTimeoutMs / 2 + 1000),
    );
    expect(pruned).toBe(1);
    expect(await reader.closed()).toMatchObject({ code: 1013, reason: "too far behind" });
    expect(awake.closeEvent).toBeNull();
  });
});

describe("readers that lie about their progress", () => {
  it("closes a reader that claims to have read more than the room sent it, and keeps an exact one", async () => {
    const room = freshRoom();
    const honest = await join(room, "honest");
    const liar = await join(room, "liar");
    report(honest);
    liar.send({ type: "received", chars: Number.MAX_SAFE_INTEGER });
    expect(await liar.closed()).toMatchObject({ code: 1008, reason: "reported reading more than was sent" });
    report(honest);
    await new Promise((r) => setTimeout(r, 50));
    expect(honest.closeEvent).toBeNull();
  });
});
