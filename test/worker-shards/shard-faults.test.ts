import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { MessageStore } from "../../src/room/log/message-store";
import { freshRoom, join, roomInfo, say, settle, type TestClient } from "../worker/helpers";

// This project's rooms hold 5 sockets per object: the sixth socket is the first on shard 1.
async function crowd(room: string, count: number): Promise<TestClient[]> {
  const clients: TestClient[] = [];
  for (let i = 0; i < count; i++) clients.push(await join(room, `p${i}`));
  return clients;
}

describe("a shard on its own", () => {
  it("fills a gap in the room's stream from the log before what follows it, and drops a repeat", async () => {
    const room = freshRoom();
    const clients = await crowd(room, 6);
    const onShard = clients[5] as TestClient;
    const first = await say(clients[0] as TestClient, "one");
    await onShard.next("message", (m) => m.seq === first.seq);
    // Three messages stored without the room's stream (as if its batches were lost): the shard is sent only the last.
    const shard = env.ROOM_SHARDS.getByName(`${room}#1`);
    const stored = await runInDurableObject(env.ROOMS.getByName(room), (_room, state) => {
      const store = new MessageStore(state.storage);
      return ["missed one", "missed two", "after the gap"].map((text, i) =>
        store.append("d:x", "x", `g${i}`, text, Date.now()),
      );
    });
    const next = stored[2] as (typeof stored)[number];
    const batch = { room: "test", batch: 1, ops: [{ t: "event" as const, json: JSON.stringify(next), seq: next.seq }] };
    await shard.deliver(batch);
    await shard.deliver(batch);
    await onShard.next("message", (m) => m.seq === next.seq);
    await settle(50);
    const seqs = onShard.of("message").map((m) => m.seq);
    expect(seqs).toEqual([first.seq, ...stored.map((m) => m.seq)]);
    for (const c of clients) c.close();
  });

  it("closes a socket that stopped pinging, and the room tells everyone it left", async () => {
    const room = freshRoom();
    const clients = await crowd(room, 6);
    const quiet = clients[5] as TestClient;
    await runInDurableObject(env.ROOM_SHARDS.getByName(`${room}#1`), (shard) => {
      shard.pruneIdleSockets(Date.now() + 10 * 60_000);
    });
    expect((await quiet.closed()).code).toBe(1001);
    await (clients[0] as TestClient).next("presence", (f) => f.event === "leave" && f.name === "p5");
    expect((await roomInfo(room)).onlineCount).toBe(5);
    for (const c of clients) c.close();
  });

  it("closes a reader that claims to have read more than its shard sent it", async () => {
    const room = freshRoom();
    const clients = await crowd(room, 6);
    const liar = clients[5] as TestClient;
    liar.send({ type: "received", chars: 10_000_000 });
    expect((await liar.closed()).code).toBe(1008);
    await (clients[0] as TestClient).next("presence", (f) => f.event === "leave" && f.name === "p5");
    for (const c of clients) c.close();
  });

  it("lets a socket the room still lists but its shard no longer holds leave at the room's next alarm", async () => {
    const room = freshRoom();
    const clients = await crowd(room, 6);
    const stub = env.ROOMS.getByName(room);
    // A leave that never reached the room: a socket it lists on shard 1 that the shard does not hold.
    const ghost = {
      name: "ghost",
      joinedAt: Date.now(),
      identity: "d:ghost",
      skeleton: "ghost",
      role: "member",
      address: "",
    };
    await runInDurableObject(stub, (_room, state) => {
      state.storage.sql.exec(
        "INSERT INTO shard_sockets (shard, id, session) VALUES (1, 999, ?)",
        JSON.stringify(ghost),
      );
    });
    await evictDurableObject(stub, { webSockets: "hibernate" });
    expect((await roomInfo(room)).onlineCount).toBe(7);
    await runInDurableObject(stub, (instance) => instance.alarm());
    expect((await roomInfo(room)).onlineCount).toBe(6);
    await (clients[0] as TestClient).next("presence", (f) => f.event === "leave" && f.name === "ghost");
    for (const c of clients) c.close();
  });
});
