import { evictDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { freshRoom, join, roomInfo, say } from "./helpers";

describe("hibernation", () => {
  it("keeps the same sockets chatting across eviction, with names, online list and seq intact", async () => {
    const room = freshRoom();
    const alice = await join(room, "alice");
    const bob = await join(room, "bob");
    await say(alice, "before");
    await bob.next("message");

    await evictDurableObject(env.ROOMS.getByName(room), { webSockets: "hibernate" });

    const ack = await say(bob, "after");
    expect(ack.seq).toBe(2);
    expect(await alice.next("message", (m) => m.seq === 2)).toMatchObject({ name: "bob", text: "after" });
    expect(await roomInfo(room)).toEqual({
      room,
      online: ["alice", "bob"],
      onlineCount: 2,
      lastSeq: 2,
      shards: 0,
    });

    const carol = await join(room, "carol");
    expect(carol.of("welcome")[0]).toMatchObject({ online: ["alice", "bob", "carol"], lastSeq: 2 });
    expect(carol.of("welcome")[0]?.history.map((m) => (m.type === "message" ? m.text : m.type))).toEqual([
      "before",
      "after",
    ]);
    expect(await alice.nextChange((p) => p.name === "carol")).toMatchObject({ event: "join" });
  });

  it("recognises a resent id after eviction", async () => {
    const room = freshRoom();
    const alice = await join(room, "alice");
    const first = await say(alice, "once", "only-once");
    await evictDurableObject(env.ROOMS.getByName(room), { webSockets: "hibernate" });
    alice.send({ type: "send", id: "only-once", text: "once" });
    expect((await alice.collect("ack", 2))[1]).toEqual(first);
  });

  it("announces a leave that happens while the room is hibernating", async () => {
    const room = freshRoom();
    const alice = await join(room, "alice");
    const bob = await join(room, "bob");
    await evictDurableObject(env.ROOMS.getByName(room), { webSockets: "hibernate" });
    bob.close();
    expect(await alice.nextChange((p) => p.event === "leave")).toMatchObject({ name: "bob", online: ["alice"] });
  });
});
