import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { act, freshRoom, join, say, settle } from "./helpers";

const react = (target: number, emoji: string, on = true) => ({ type: "react", target, emoji, on });

async function reactionRows(room: string, target: number): Promise<number> {
  return runInDurableObject(env.ROOMS.getByName(room), (_r, state) => {
    const rows = state.storage.sql.exec("SELECT seq FROM events WHERE target = ? AND type = 'reacted'", target);
    return rows.toArray().length;
  });
}

describe("reactions", () => {
  it("puts a reaction on and takes it off: ack to the sender, `reacted` to the others, current state on join", async () => {
    const room = freshRoom();
    const alice = await join(room, "alice");
    const bob = await join(room, "bob");
    const sent = await say(alice, "ship it?");
    const on = await act(bob, react(sent.seq, "👍"));
    expect(on).toMatchObject({ type: "ack", seq: sent.seq + 1 });
    expect(await alice.next("reacted")).toMatchObject({
      seq: sent.seq + 1,
      target: sent.seq,
      emoji: "👍",
      name: "bob",
      on: true,
      ts: expect.any(Number),
    });
    await act(alice, react(sent.seq, "👍"));
    await act(alice, react(sent.seq, "🎉"));
    const carol = await join(room, "carol");
    expect(carol.of("welcome")[0]?.history[0]).toMatchObject({
      reactions: { "👍": ["bob", "alice"], "🎉": ["alice"] },
    });
    const off = await act(bob, react(sent.seq, "👍", false));
    expect(off).toMatchObject({ type: "ack", seq: sent.seq + 4 });
    expect(await carol.next("reacted", (r) => !r.on)).toMatchObject({ name: "bob", emoji: "👍", on: false });
    const dave = await join(room, "dave");
    expect(dave.of("welcome")[0]?.history[0]).toMatchObject({ reactions: { "👍": ["alice"], "🎉": ["alice"] } });
    await act(alice, react(sent.seq, "👍", false));
    await act(alice, react(sent.seq, "🎉", false));
    const erin = await join(room, "erin");
    expect(erin.of("welcome")[0]?.history[0]).not.toHaveProperty("reactions");
  });

  it("is idempotent: the same reaction again is acked with the seq that made it so, and stores nothing", async () => {
    const room = freshRoom();
    const alice = await join(room, "alice");
    const bob = await join(room, "bob");
    const sent = await say(alice, "hi");
    const first = await act(bob, react(sent.seq, "❤️"));
    const again = await act(bob, react(sent.seq, "❤️"));
    expect(again).toMatchObject({ type: "ack", seq: first.type === "ack" ? first.seq : -1 });
    const offNever = await act(bob, react(sent.seq, "😀", false));
    expect(offNever).toMatchObject({ type: "ack", seq: sent.seq });
    await settle();
    expect(alice.of("reacted")).toHaveLength(1);
    expect(await reactionRows(room, sent.seq)).toBe(1);
  });

  it("takes at most 20 different emoji on a message: the 21st gets too_many, one already there still counts", async () => {
    const room = freshRoom();
    const alice = await join(room, "alice");
    const sent = await say(alice, "vote");
    const emoji = [..."😀😁😂🤣😃😄😅😆😉😊😋😎😍😘🥰😗😙🥲😚🙂🤗"];
    const people = await Promise.all([0, 1, 2].map((i) => join(room, `p${i}`)));
    for (const [i, e] of emoji.slice(0, 20).entries()) {
      const who = people[i % 3];
      if (!who) throw new Error("no person");
      expect(await act(who, react(sent.seq, e))).toMatchObject({ type: "ack" });
    }
    expect(await act(alice, react(sent.seq, emoji[20] ?? ""))).toMatchObject({ type: "error", code: "too_many" });
    expect(await act(alice, react(sent.seq, emoji[0] ?? ""))).toMatchObject({ type: "ack" });
  });

  it("refuses anything but one emoji grapheme with bad_message, and stores nothing", async () => {
    const room = freshRoom();
    const alice = await join(room, "alice");
    const sent = await say(alice, "hi");
    const bad = ["", "a", "1", "👍👍", "👍 ", "ok👍", "\ud83d", "<b>", "\u200d", "🇫", 1, null];
    // A socket's frame budget is 10 at once: each tester sends a few.
    const testers = await Promise.all([0, 1, 2].map((i) => join(room, `tester${i}`)));
    for (const [i, emoji] of bad.entries()) {
      const tester = testers[Math.floor(i / 5)];
      if (!tester) throw new Error("no tester");
      const answer = await act(tester, { type: "react", target: sent.seq, emoji, on: true });
      expect(answer).toMatchObject({ type: "error", code: "bad_message" });
      if (answer.type === "error") expect(answer.message).toMatch(/emoji/);
    }
    expect(await act(alice, { type: "react", target: sent.seq, emoji: "👍", on: "yes" })).toMatchObject({
      code: "bad_message",
    });
    for (const emoji of ["👍🏽", "🇫🇷", "1️⃣", "👩‍👩‍👧‍👦", "❤️", "🏳️‍🌈"]) {
      expect(await act(alice, react(sent.seq, emoji))).toMatchObject({ type: "ack" });
    }
    expect(await reactionRows(room, sent.seq)).toBe(6);
  });

  it("refuses a reaction on an unknown, deleted or non-message seq with not_found", async () => {
    const room = freshRoom();
    const alice = await join(room, "alice");
    const sent = await say(alice, "hi");
    const edit = await act(alice, { type: "edit", target: sent.seq, text: "hello" });
    expect(await act(alice, react(edit.type === "ack" ? edit.seq : -1, "👍"))).toMatchObject({ code: "not_found" });
    expect(await act(alice, react(999, "👍"))).toMatchObject({ code: "not_found" });
    await act(alice, { type: "delete", target: sent.seq });
    expect(await act(alice, react(sent.seq, "👍"))).toMatchObject({ code: "not_found" });
  });

  it("are deleted with their message: gone from storage, from a join, and from a `since` replay", async () => {
    const room = freshRoom();
    const alice = await join(room, "alice");
    const bob = await join(room, "bob");
    const sent = await say(alice, "oops");
    await act(bob, react(sent.seq, "😮"));
    await act(bob, { type: "delete", target: sent.seq }).then((a) => expect(a).toMatchObject({ code: "forbidden" }));
    await act(alice, { type: "delete", target: sent.seq });
    expect(await reactionRows(room, sent.seq)).toBe(0);
    const carol = await join(room, "carol");
    expect(carol.of("welcome")[0]?.history[0]).toMatchObject({ deleted: true });
    expect(carol.of("welcome")[0]?.history[0]).not.toHaveProperty("reactions");
    const back = await join(room, "bob", "&since=0");
    expect(back.of("welcome")[0]?.history.map((e) => e.type)).toEqual(["message", "deleted"]);
  });

  it("are replayed with `since` (each person's latest per emoji) and survive eviction", async () => {
    const room = freshRoom();
    const alice = await join(room, "alice");
    const bob = await join(room, "bob");
    const sent = await say(alice, "news");
    await act(bob, react(sent.seq, "👀"));
    await act(bob, react(sent.seq, "👀", false));
    await act(bob, react(sent.seq, "👀"));
    await evictDurableObject(env.ROOMS.getByName(room), { webSockets: "hibernate" });
    const back = await join(room, "carol", `&since=${sent.seq}`);
    expect(back.of("welcome")[0]?.history).toEqual([
      expect.objectContaining({ type: "reacted", target: sent.seq, emoji: "👀", name: "bob", on: true }),
    ]);
  });

  it("count against the person's write budget", async () => {
    const room = freshRoom();
    const alice = await join(room, "alice");
    const sent = await say(alice, "react to me");
    const bob = await join(room, "bob");
    const answers = [];
    for (let i = 0; i < 12; i++) answers.push(await act(bob, react(sent.seq, "👍", i % 2 === 0)));
    expect(answers.some((a) => a.type === "error" && a.code === "rate_limited")).toBe(true);
  });
});
