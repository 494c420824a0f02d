import { evictDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { LogEvent, ServerMessage } from "../../src/shared/protocol";
import {
  act,
  deviceCookie,
  evictAwake,
  freshRoom,
  join,
  keyOf,
  refusal,
  roomInfo,
  say,
  settle,
  type TestClient,
  upgrade,
} from "../worker/helpers";

// This project's rooms hold 5 sockets per object (vitest.config.ts): the room object, then shards.
const PER_OBJECT = 5;

/** Everything with a seq a socket received live or in history, in arrival order. */
function seqs(client: TestClient): number[] {
  const out: number[] = [];
  for (const f of client.frames) {
    if (f.type === "welcome" || f.type === "catchup") out.push(...f.history.map((e: LogEvent) => e.seq));
    if ("seq" in f && (f.type === "message" || f.type === "edited" || f.type === "deleted" || f.type === "moderation"))
      out.push(f.seq);
  }
  return out;
}

/** The seqs a socket saw, its own acked writes included (a sender gets an ack, not its message). */
function seen(client: TestClient): number[] {
  const acked = client.frames.filter((f): f is Extract<ServerMessage, { type: "ack" }> => f.type === "ack");
  return [...seqs(client), ...acked.map((a) => a.seq)].sort((a, b) => a - b);
}

async function crowd(room: string, count: number, prefix = "p"): Promise<TestClient[]> {
  const clients: TestClient[] = [];
  for (let i = 0; i < count; i++) clients.push(await join(room, `${prefix}${i}`));
  return clients;
}

async function until(check: () => boolean, what: string, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await settle(10);
  }
}

describe("a room spread over shards", () => {
  it("holds 60 sockets on the room object and 11 shards, and reports them", async () => {
    const room = freshRoom();
    const clients = await crowd(room, 60);
    const info = await roomInfo(room);
    expect(info).toMatchObject({ onlineCount: 60, shards: 60 / PER_OBJECT - 1 });
    for (const c of clients) c.close();
  });

  it("delivers every message exactly once, in seq order, to 60 sockets on 12 objects", async () => {
    const room = freshRoom();
    const clients = await crowd(room, 60);
    const senders = [clients[0], clients[7], clients[33], clients[59]] as TestClient[];
    const acks = await Promise.all(senders.flatMap((s, i) => [0, 1, 2].map((k) => say(s, `m${i}-${k}`))));
    const stored = acks.map((a) => a.seq).sort((a, b) => a - b);
    for (const c of clients)
      await until(() => seen(c).filter((s) => stored.includes(s)).length >= stored.length, "all");
    await settle(100);
    for (const c of clients) {
      const live = seqs(c);
      expect(new Set(live).size).toBe(live.length);
      expect(live).toEqual([...live].sort((a, b) => a - b));
      expect(seen(c).filter((s) => stored.includes(s))).toEqual(stored);
    }
    for (const c of clients) c.close();
  });

  it("answers a retry once, and catches a shard's socket up with since", async () => {
    const room = freshRoom();
    const clients = await crowd(room, 12);
    const far = clients[11] as TestClient;
    const first = await say(far, "once", "same-id");
    far.send({ type: "send", id: "same-id", text: "once" });
    await far.collect("ack", 2);
    expect(far.of("ack").map((a) => a.seq)).toEqual([first.seq, first.seq]);
    const last = first.seq;
    far.close();
    await say(clients[0] as TestClient, "while away");
    const back = await join(room, "p11", `&since=${last}`);
    const welcome = back.of("welcome")[0];
    expect(welcome?.history.map((e) => (e.type === "message" ? e.text : e.type))).toEqual(["while away"]);
    const info = await roomInfo(room);
    expect(info.lastSeq).toBe(last + 1);
    for (const c of [...clients, back]) c.close();
  });

  it("carries edits and deletions from one shard to every other", async () => {
    const room = freshRoom();
    const clients = await crowd(room, 16);
    const author = clients[15] as TestClient;
    const ack = await say(author, "first");
    await act(author, { type: "edit", id: crypto.randomUUID(), target: ack.seq, text: "second" });
    await act(author, { type: "delete", id: crypto.randomUUID(), target: ack.seq });
    for (const c of clients.slice(0, 15)) {
      const edited = await c.next("edited");
      expect(edited).toMatchObject({ target: ack.seq, text: "second" });
      await c.next("deleted");
    }
    for (const c of clients) c.close();
  });

  it("closes a kicked person's sockets on every shard, and a ban keeps them out", async () => {
    const room = freshRoom();
    const owner = await join(room, "owner");
    const others = await crowd(room, 8, "x");
    // The same person (one device key) on two shards.
    const a = await join(room, "target");
    const more = await crowd(room, 5, "y");
    const b = await join(room, "target");
    await act(owner, { type: "moderate", id: crypto.randomUUID(), action: "ban", name: "target" });
    for (const socket of [a, b]) {
      expect((await socket.next("error")).code).toBe("banned");
      expect((await socket.closed()).code).toBe(1008);
    }
    const again = await upgrade(`/api/rooms/${room}/ws?name=target`, deviceCookie(keyOf("target")));
    expect((await refusal(again)).error).toMatchObject({ code: "banned" });
    for (const c of [owner, ...others, ...more]) c.close();
  });

  it("tells everyone of joins and leaves on any shard", async () => {
    const room = freshRoom();
    const clients = await crowd(room, 11);
    const late = await join(room, "late");
    const about = (f: ServerMessage) =>
      f.type === "presence" && f.event !== "count" && (f.names ?? [f.name]).includes("late");
    for (const c of clients) await c.next("presence", (f) => about(f) && f.event === "join");
    late.close();
    await (clients[0] as TestClient).next("presence", (f) => about(f) && f.event === "leave");
    expect((await roomInfo(room)).onlineCount).toBe(11);
    for (const c of clients) c.close();
  });

  it("loses no acked message and repeats none when the room object and a shard are evicted mid-traffic", async () => {
    const room = freshRoom();
    const clients = await crowd(room, 15);
    const acks: number[] = [];
    for (let round = 0; round < 3; round++) {
      const sending = Promise.all([clients[1], clients[8], clients[14]].map((c) => say(c as TestClient, `r${round}`)));
      if (round === 0) await evictDurableObject(env.ROOMS.getByName(room), { webSockets: "hibernate" });
      if (round === 1) {
        // A shard may have hibernated since its last frame: evictAwake wakes it first.
        await evictAwake(env.ROOM_SHARDS.getByName(`${room}#2`));
      }
      acks.push(...(await sending).map((a) => a.seq));
    }
    acks.sort((a, b) => a - b);
    for (const c of clients) await until(() => acks.every((s) => seen(c).includes(s)), "every acked message");
    await settle(100);
    for (const c of clients) {
      const live = seqs(c);
      expect(new Set(live).size).toBe(live.length);
      expect(live).toEqual([...live].sort((a, b) => a - b));
    }
    for (const c of clients) c.close();
  });
});
