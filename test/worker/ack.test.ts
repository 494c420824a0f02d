import { describe, expect, it } from "vitest";
import { freshRoom, join, say, settle } from "./helpers";

describe("ack", () => {
  it("acks the sender with the stored seq and time", async () => {
    const room = freshRoom();
    const alice = await join(room, "alice");
    const before = Date.now();
    const first = await say(alice, "one", "id-1");
    const second = await say(alice, "two", "id-2");
    expect(first).toMatchObject({ type: "ack", id: "id-1", seq: 1 });
    expect(second).toMatchObject({ type: "ack", id: "id-2", seq: 2 });
    expect(first.ts).toBeGreaterThanOrEqual(before - 1000);
    expect(second.ts).toBeGreaterThanOrEqual(first.ts);
  });

  it("answers a resent id with the same ack and makes no second message", async () => {
    const room = freshRoom();
    const alice = await join(room, "alice");
    const bob = await join(room, "bob");
    const first = await say(alice, "retry me", "same-id");
    alice.send({ type: "send", id: "same-id", text: "retry me" });
    const acks = await alice.collect("ack", 2);
    expect(acks[1]).toEqual(first);
    await say(alice, "after", "other-id");
    await bob.collect("message", 2);
    expect(bob.of("message").map((m) => m.text)).toEqual(["retry me", "after"]);
  });

  it("recognises the retry on a new socket after a reconnect", async () => {
    const room = freshRoom();
    const alice = await join(room, "alice");
    const first = await say(alice, "sent before the drop", "m-1");
    alice.close();
    const again = await join(room, "alice", "&since=0");
    expect(await say(again, "sent before the drop", "m-1")).toEqual(first);
    const watcher = await join(room, "bob", "&since=0");
    expect(watcher.of("welcome")[0]?.history).toHaveLength(1);
  });

  it("keeps ids of different people apart", async () => {
    const room = freshRoom();
    const alice = await join(room, "alice");
    const bob = await join(room, "bob");
    const a = await say(alice, "from alice", "1");
    const b = await say(bob, "from bob", "1");
    expect(b.seq).toBe(a.seq + 1);
    await settle();
    expect(alice.of("message").map((m) => m.text)).toEqual(["from bob"]);
  });
});
