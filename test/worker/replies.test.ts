import { describe, expect, it } from "vitest";
import { act, freshRoom, join, say } from "./helpers";

describe("replies", () => {
  it("stores replyTo: the others get it live, a join and a `since` replay carry it", async () => {
    const room = freshRoom();
    const alice = await join(room, "alice");
    const bob = await join(room, "bob");
    const first = await say(alice, "lunch?");
    const ack = await act(bob, { type: "send", text: "yes!", replyTo: first.seq });
    expect(ack).toMatchObject({ type: "ack", seq: first.seq + 1 });
    expect(await alice.next("message", (m) => m.seq === first.seq + 1)).toMatchObject({
      text: "yes!",
      replyTo: first.seq,
    });
    const carol = await join(room, "carol");
    const history = carol.of("welcome")[0]?.history ?? [];
    expect(history.find((e) => e.seq === first.seq + 1)).toMatchObject({ replyTo: first.seq });
    expect(history.find((e) => e.seq === first.seq)).not.toHaveProperty("replyTo");
    const back = await join(room, "dave", `&since=${first.seq}`);
    expect(back.of("welcome")[0]?.history).toEqual([
      expect.objectContaining({ type: "message", seq: first.seq + 1, replyTo: first.seq }),
    ]);
  });

  it("refuses a reply to a seq that is not a message of the room with not_found, and stores nothing", async () => {
    const room = freshRoom();
    const alice = await join(room, "alice");
    const sent = await say(alice, "hello");
    const edit = await act(alice, { type: "edit", target: sent.seq, text: "hello all" });
    expect(edit).toMatchObject({ type: "ack" });
    for (const replyTo of [edit.type === "ack" ? edit.seq : 0, 999, 0]) {
      expect(await act(alice, { type: "send", text: "re", replyTo })).toMatchObject({
        type: "error",
        code: "not_found",
      });
    }
    const deleted = await act(alice, { type: "delete", target: sent.seq });
    expect(deleted).toMatchObject({ type: "ack" });
    expect(await act(alice, { type: "send", text: "re", replyTo: sent.seq })).toMatchObject({ code: "not_found" });
    const carol = await join(room, "carol");
    expect(carol.of("welcome")[0]?.history.map((e) => e.seq)).toEqual([sent.seq]);
  });

  it("refuses a replyTo that is not a seq with bad_message", async () => {
    const alice = await join(freshRoom(), "alice");
    for (const replyTo of ["1", -1, 1.5, null]) {
      expect(await act(alice, { type: "send", text: "re", replyTo })).toMatchObject({ code: "bad_message" });
    }
  });
});
