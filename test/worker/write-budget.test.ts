import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { MessageStore } from "../../src/room/log/message-store";
import { LIMITS } from "../../src/shared/protocol";
import { act, freshRoom, join, say, settle, type TestClient } from "./helpers";

const editRows = (room: string, target: number) =>
  runInDurableObject(env.ROOMS.getByName(room), (_room, state) =>
    state.storage.sql
      .exec<{ seq: number; text: string }>("SELECT seq, text FROM events WHERE type = 'edited' AND target = ?", target)
      .toArray(),
  );

describe("edits replace edits", () => {
  it("keeps one edited row however often a message is edited", async () => {
    const room = freshRoom();
    const alice = await join(room, "alice");
    const sent = await say(alice, "draft");
    // Faster than any rate limit allows: straight into the room's store, as its author.
    const author = await runInDurableObject(env.ROOMS.getByName(room), (_room, state) => {
      const row = state.storage.sql.exec<{ author: string }>("SELECT author FROM messages WHERE seq = ?", sent.seq);
      const store = new MessageStore(state.storage);
      const { author } = row.one();
      for (let i = 1; i <= 1000; i++) store.edit(author, `e${i}`, sent.seq, `version ${i}`, Date.now());
      return author;
    });
    expect(author).toMatch(/^d:/);
    const rows = await editRows(room, sent.seq);
    expect(rows).toHaveLength(1);
    expect(rows[0]?.text).toBe("version 1000");
  });

  it("replays only the latest edit of each message, under its own seq", async () => {
    const room = freshRoom();
    const alice = await join(room, "alice");
    const sent = await say(alice, "one");
    await act(alice, { type: "edit", target: sent.seq, text: "two" });
    const last = await act(alice, { type: "edit", target: sent.seq, text: "three" });
    const back = await join(room, "bob", `&since=${sent.seq}`);
    const history = (await back.next("welcome")).history;
    expect(history).toEqual([expect.objectContaining({ type: "edited", target: sent.seq, text: "three" })]);
    expect(history[0]?.seq).toBe(last.type === "ack" ? last.seq : -1);
  });
});

describe("one write budget per person", () => {
  it("shares the budget among all of a person's sockets", async () => {
    const room = freshRoom();
    const tabs: TestClient[] = [];
    for (let i = 0; i < 10; i++) tabs.push(await join(room, "mallory"));
    for (const [i, tab] of tabs.entries()) {
      tab.send({ type: "send", id: `a${i}`, text: `flood a${i}` });
      tab.send({ type: "send", id: `b${i}`, text: `flood b${i}` });
    }
    await settle(300);
    const acks = tabs.flatMap((tab) => tab.of("ack"));
    const refused = tabs.flatMap((tab) => tab.of("error"));
    // Twenty sends at once: one burst's worth stored (and perhaps one refilled), the rest refused.
    expect(acks.length).toBeGreaterThanOrEqual(LIMITS.writeBurst);
    expect(acks.length).toBeLessThanOrEqual(LIMITS.writeBurst + 1);
    expect(refused).toHaveLength(20 - acks.length);
    for (const error of refused)
      expect(error).toMatchObject({ code: "rate_limited", retryAfterMs: expect.any(Number) });
  });

  it("counts edits and deletions too, and leaves other people their own budget", async () => {
    const room = freshRoom();
    const alice = await join(room, "alice");
    const bob = await join(room, "bob");
    const sent = await say(alice, "hello");
    const answers = [];
    for (let i = 0; i < LIMITS.writeBurst + 2; i++) {
      answers.push(await act(alice, { type: "edit", target: sent.seq, text: `edit ${i}` }));
    }
    expect(answers.filter((a) => a.type === "error")).not.toHaveLength(0);
    expect(await act(alice, { type: "delete", target: sent.seq })).toMatchObject({ code: "rate_limited" });
    expect(await say(bob, "still here")).toMatchObject({ type: "ack" });
  });
});
