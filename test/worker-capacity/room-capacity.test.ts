import { describe, expect, it } from "vitest";
import { LIMITS } from "../../src/shared/protocol";
import { freshRoom, join, lastSeq, settle } from "../worker/helpers";

// This project's rooms are assumed to make 100 deliveries a second: 5 sockets take in 0.8 x 100 / 5 = 16 new
// messages a second, with a burst of a quarter second's worth (4), shared among the active senders.
describe("input shedding by capacity (in a room)", () => {
  it("refuses a flood past the room's budget fairly across senders, and delivers every acked message", async () => {
    const room = freshRoom();
    const readers = [await join(room, "reader1"), await join(room, "reader2")];
    const senders = [await join(room, "ann"), await join(room, "bob"), await join(room, "cyd")];
    // Each sender writes once, so all three are active when the flood comes; then the budget refills.
    for (const [s, sender] of senders.entries()) sender.send({ type: "send", id: `w${s}`, text: `hello ${s}` });
    for (const sender of senders) await sender.collect("ack", 1);
    await settle(500);

    // Within the per-person write budget (so what is refused is the room's doing), all at once.
    const flood = LIMITS.writeBurst - 1;
    for (const [s, sender] of senders.entries()) {
      for (let i = 0; i < flood; i++) sender.send({ type: "send", id: `s${s}-${i}`, text: `flood ${s} ${i}` });
    }
    const answers = await Promise.all(
      senders.map(async (sender) => {
        const deadline = Date.now() + 5000;
        while (sender.of("ack").length - 1 + sender.of("error").length < flood && Date.now() < deadline)
          await settle(10);
        return { acks: sender.of("ack").slice(1), refused: sender.of("error") };
      }),
    );
    // Equal shares (within one), each sender some; the rest refused with when to retry.
    const stored = answers.map((a) => a.acks.length);
    expect(Math.min(...stored)).toBeGreaterThanOrEqual(1);
    expect(Math.max(...stored) - Math.min(...stored)).toBeLessThanOrEqual(1);
    for (const { acks, refused } of answers) {
      expect(acks.length + refused.length).toBe(flood);
      expect(refused.length).toBeGreaterThan(0);
      for (const error of refused) {
        expect(error).toMatchObject({ code: "rate_limited" });
        expect(error.message).toContain("room is busy");
        expect(error.retryAfterMs).toBeGreaterThan(0);
      }
    }
    // Nothing refused was stored; everything acked reaches every other socket.
    const acked = answers.flatMap((a) => a.acks);
    expect(await lastSeq(room)).toBe(senders.length + acked.length);
    for (const reader of readers) {
      const messages = await reader.collect("message", senders.length + acked.length);
      const seqs = messages.map((m) => m.seq);
      for (const ack of acked) expect(seqs).toContain(ack.seq);
    }
  });

  it("lets a refused sender in once it waited as told", async () => {
    const room = freshRoom();
    // Five sockets: a burst of 4.
    const [reader] = [
      await join(room, "reader"),
      await join(room, "r2"),
      await join(room, "r3"),
      await join(room, "r4"),
    ];
    const ann = await join(room, "ann");
    // Six at once: past the room's burst, within her own write budget (so she has writes left after).
    const burst = 6;
    const refusedAfter = async () => {
      for (let i = 0; i < burst; i++) ann.send({ type: "send", id: `a${i}`, text: `a ${i}` });
      const deadline = Date.now() + 5000;
      while (ann.of("ack").length + ann.of("error").length < burst && Date.now() < deadline) {
        await settle(10);
      }
      return ann.of("error")[0];
    };
    const refused = await refusedAfter();
    expect(refused).toMatchObject({ code: "rate_limited" });
    await settle((refused?.retryAfterMs ?? 0) + 50);
    const from = ann.frames.length;
    ann.send({ type: "send", id: "later", text: "after waiting" });
    const ack = await ann.next("ack", (a) => a.id === "later", from);
    expect((await reader?.collect("message", ack.seq))?.map((m) => m.seq)).toContain(ack.seq);
  });
});
