import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { act, freshRoom, join, say, seedHistory } from "./helpers";

const evict = (room: string) => evictDurableObject(env.ROOMS.getByName(room), { webSockets: "hibernate" });

async function storedText(room: string, seq: number): Promise<string[]> {
  return runInDurableObject(env.ROOMS.getByName(room), (_r, state) => {
    const messages = state.storage.sql.exec<{ text: string }>("SELECT text FROM messages WHERE seq = ?", seq).toArray();
    const edits = state.storage.sql.exec<{ text: string }>("SELECT text FROM events WHERE target = ?", seq).toArray();
    return [...messages, ...edits].map((r) => r.text);
  });
}

describe("edit", () => {
  it("lets the author change their message: ack with a new seq, `edited` to the others, current state on join", async () => {
    const room = freshRoom();
    const alice = await join(room, "alice");
    const bob = await join(room, "bob");
    const sent = await say(alice, "helo");
    await evict(room);
    const ack = await act(alice, { type: "edit", target: sent.seq, text: "hello" });
    expect(ack).toMatchObject({ type: "ack", seq: sent.seq + 1 });
    expect(await bob.next("edited")).toMatchObject({
      seq: sent.seq + 1,
      target: sent.seq,
      text: "hello",
      name: "alice",
    });
    const carol = await join(room, "carol");
    expect(carol.of("welcome")[0]?.history).toEqual([
      expect.objectContaining({ type: "message", seq: sent.seq, text: "hello", editedAt: expect.any(Number) }),
    ]);
    const back = await join(room, "bob", `&since=${sent.seq}`);
    expect(back.of("welcome")[0]?.history).toEqual([expect.objectContaining({ type: "edited", target: sent.seq })]);
  });

  it("refuses someone else's message with forbidden, and an unknown or deleted seq with not_found", async () => {
    const room = freshRoom();
    const alice = await join(room, "alice");
    const bob = await join(room, "bob");
    const sent = await say(alice, "mine");
    expect(await act(bob, { type: "edit", target: sent.seq, text: "yours now" })).toMatchObject({ code: "forbidden" });
    expect(await act(alice, { type: "edit", target: 999, text: "x" })).toMatchObject({ code: "not_found" });
    await act(alice, { type: "delete", target: sent.seq });
    expect(await act(alice, { type: "edit", target: sent.seq, text: "back" })).toMatchObject({ code: "not_found" });
    // An edit's seq is an event, not a message: it cannot be edited either.
    const other = await say(alice, "again");
    const edit = await act(alice, { type: "edit", target: other.seq, text: "again!" });
    expect(await act(alice, { type: "edit", target: (edit as { seq: number }).seq, text: "x" })).toMatchObject({
      code: "not_found",
    });
  });

  it("recognises a retried edit by its id", async () => {
    const room = freshRoom();
    const alice = await join(room, "alice");
    const sent = await say(alice, "first");
    alice.send({ type: "edit", id: "e1", target: sent.seq, text: "second" });
    const ack = await alice.next("ack", (a) => a.id === "e1");
    await evict(room);
    alice.send({ type: "edit", id: "e1", target: sent.seq, text: "second" });
    expect((await alice.collect("ack", 3)).at(-1)).toEqual(ack);
  });
});

describe("delete", () => {
  it("removes the words from storage, edits included; others see `deleted`, joins see it deleted", async () => {
    const room = freshRoom();
    const alice = await join(room, "alice");
    const bob = await join(room, "bob");
    const sent = await say(alice, "secret plans");
    await act(alice, { type: "edit", target: sent.seq, text: "secret plans v2" });
    await evict(room);
    const ack = await act(alice, { type: "delete", target: sent.seq });
    expect(await bob.next("deleted")).toMatchObject({
      seq: (ack as { seq: number }).seq,
      target: sent.seq,
      by: "alice",
    });
    const texts = await storedText(room, sent.seq);
    expect(texts.length).toBeGreaterThanOrEqual(2);
    expect(texts.every((t) => t === "")).toBe(true);
    const carol = await join(room, "carol");
    expect(carol.of("welcome")[0]?.history).toEqual([
      expect.objectContaining({ seq: sent.seq, text: "", deleted: true }),
    ]);
    expect(JSON.stringify(carol.raw)).not.toContain("secret");
    const replay = await join(room, "dave", "&since=0");
    expect(JSON.stringify(replay.raw)).not.toContain("secret");
  });

  it("refuses someone else's message to a member with forbidden", async () => {
    const room = freshRoom();
    const owner = await join(room, "owner");
    const alice = await join(room, "alice");
    const bob = await join(room, "bob");
    const sent = await say(alice, "alice's");
    expect(await act(bob, { type: "delete", target: sent.seq })).toMatchObject({ code: "forbidden" });
    expect(await act(bob, { type: "delete", target: 12345 })).toMatchObject({ code: "not_found" });
    // The owner moderates: any message.
    expect(await act(owner, { type: "delete", target: sent.seq })).toMatchObject({ type: "ack" });
    expect(await bob.next("deleted")).toMatchObject({ target: sent.seq, by: "owner" });
  });
});

describe("earlier history", () => {
  it("pages backwards with `older`, oldest first, `more` until the beginning", async () => {
    const room = freshRoom();
    await seedHistory(room, 250);
    const reader = await join(room, "reader");
    const welcome = reader.of("welcome")[0];
    expect(welcome?.history.map((m) => m.seq)).toEqual(Array.from({ length: 100 }, (_, i) => 151 + i));
    reader.send({ type: "older", id: "o1", before: 151, limit: 100 });
    const first = await reader.next("older", (f) => f.id === "o1");
    expect(first.messages.map((m) => m.seq)).toEqual(Array.from({ length: 100 }, (_, i) => 51 + i));
    expect(first.more).toBe(true);
    reader.send({ type: "older", id: "o2", before: 51, limit: 100 });
    const last = await reader.next("older", (f) => f.id === "o2");
    expect(last.messages.map((m) => m.seq)).toEqual(Array.from({ length: 50 }, (_, i) => 1 + i));
    expect(last.more).toBe(false);
  });

  it("refuses a limit outside 1-100 with bad_message", async () => {
    const reader = await join(freshRoom(), "reader");
    reader.send({ type: "older", id: "o", before: 10, limit: 101 });
    expect(await reader.next("error")).toMatchObject({ code: "bad_message", id: "o" });
  });

  it("reads only the rows it returns, through the seq index", async () => {
    const room = freshRoom();
    await seedHistory(room, 300);
    const read = await runInDurableObject(env.ROOMS.getByName(room), (_r, state) => {
      const cursor = state.storage.sql.exec(
        "SELECT seq FROM messages WHERE seq < ? ORDER BY seq DESC LIMIT ?",
        200,
        11,
      );
      cursor.toArray();
      return cursor.rowsRead;
    });
    expect(read).toBeLessThanOrEqual(11);
  });
});
