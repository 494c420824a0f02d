import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { freshRoom, join, lastSeq, say, settle } from "./helpers";

/** Makes the room's SQLite refuse every insert whose text holds `marker`: a real failed write. */
async function failInsertsContaining(room: string, marker: string): Promise<void> {
  await runInDurableObject(env.ROOMS.getByName(room), (_room, state) => {
    state.storage.sql.exec(
      `CREATE TRIGGER fault BEFORE INSERT ON messages WHEN instr(NEW.text, '${marker}') > 0
       BEGIN SELECT RAISE(ABORT, 'injected fault'); END`,
    );
  });
}

async function storedSeqs(room: string): Promise<number[]> {
  return runInDurableObject(env.ROOMS.getByName(room), (_room, state) =>
    state.storage.sql
      .exec<{ seq: number }>("SELECT seq FROM messages ORDER BY seq")
      .toArray()
      .map((r) => r.seq),
  );
}

describe("a failed write loses nothing else", () => {
  it("stores, acks and broadcasts the others' messages; the failing sender gets not_stored; seqs stay unique across evictions", async () => {
    const room = freshRoom();
    const alice = await join(room, "alice");
    const mallory = await join(room, "mallory");
    const bob = await join(room, "bob");
    await say(alice, "first");
    await failInsertsContaining(room, "POISON");
    await evictDurableObject(env.ROOMS.getByName(room), { webSockets: "hibernate" });

    // Sent together, so they land in the same turns of the room.
    mallory.send({ type: "send", id: "p1", text: "POISON one" });
    alice.send({ type: "send", id: "a2", text: "second" });
    mallory.send({ type: "send", id: "m2", text: "fine" });
    mallory.send({ type: "send", id: "p2", text: "POISON two" });
    alice.send({ type: "send", id: "a3", text: "third" });

    const refusals = await mallory.collect("error", 2);
    expect(refusals.map((e) => [e.code, e.id])).toEqual([
      ["not_stored", "p1"],
      ["not_stored", "p2"],
    ]);
    const aliceAcks = await alice.collect("ack", 3);
    const malloryAck = await mallory.next("ack", (a) => a.id === "m2");
    const seen = await bob.collect("message", 4);
    expect(seen.map((m) => m.text)).toEqual(["first", ...seen.slice(1).map((m) => m.text)]);
    expect(new Set(seen.map((m) => m.text))).toEqual(new Set(["first", "second", "fine", "third"]));
    // Acked seqs are exactly the stored ones, with no gap where the failures were.
    const acked = [...aliceAcks.map((a) => a.seq), malloryAck.seq].sort((a, b) => a - b);
    expect(acked).toEqual([1, 2, 3, 4]);
    expect(await storedSeqs(room)).toEqual([1, 2, 3, 4]);
    expect(seen.map((m) => m.seq)).toEqual([1, 2, 3, 4]);

    // After a reload the next seq follows the stored ones; none is handed out twice.
    await evictDurableObject(env.ROOMS.getByName(room), { webSockets: "hibernate" });
    expect(await lastSeq(room)).toBe(4);
    expect((await say(bob, "after reload")).seq).toBe(5);
    await runInDurableObject(env.ROOMS.getByName(room), (_room, state) => {
      state.storage.sql.exec("DROP TRIGGER fault");
    });
    // The refused id was never taken: its retry is stored now, once.
    const retried = await say(mallory, "POISON one", "p1");
    expect(retried.seq).toBe(6);
    mallory.send({ type: "send", id: "p1", text: "POISON one" });
    expect((await mallory.collect("ack", 3)).at(-1)).toEqual(retried);
    expect(await storedSeqs(room)).toEqual([1, 2, 3, 4, 5, 6]);
    await settle();
    expect(alice.of("message").map((m) => m.seq)).toEqual([3, 5, 6]);
  });
});

describe("a ban is stored with its event, or not at all", () => {
  it("answers not_stored, writes no event and removes nobody when the ban cannot be stored", async () => {
    const room = freshRoom();
    const owner = await join(room, "owner");
    const mallory = await join(room, "mallory");
    await say(owner, "first");
    await runInDurableObject(env.ROOMS.getByName(room), (_room, state) => {
      state.storage.sql.exec(
        "CREATE TRIGGER fault BEFORE INSERT ON bans BEGIN SELECT RAISE(ABORT, 'injected fault'); END",
      );
    });
    owner.send({ type: "moderate", id: "b1", action: "ban", name: "mallory" });
    expect(await owner.next("error", (e) => e.id === "b1")).toMatchObject({ code: "not_stored" });
    await settle();
    expect(mallory.closeEvent).toBeNull();
    expect(mallory.of("moderation")).toEqual([]);
    expect(await lastSeq(room)).toBe(1);
    // Once storage works again, the same request bans, under the next seq.
    await runInDurableObject(env.ROOMS.getByName(room), (_room, state) => {
      state.storage.sql.exec("DROP TRIGGER fault");
    });
    owner.send({ type: "moderate", id: "b1", action: "ban", name: "mallory" });
    expect(await owner.next("ack", (a) => a.id === "b1")).toMatchObject({ seq: 2 });
    expect((await mallory.closed()).code).toBe(1008);
  });
});
