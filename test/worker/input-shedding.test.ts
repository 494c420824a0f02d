import { describe, expect, it } from "vitest";
import { DeliveryLag } from "../../src/room/delivery-lag";
import { InputShedding } from "../../src/room/input-shedding";
import { LIMITS } from "../../src/shared/protocol";
import { act, freshRoom, join, lastSeq, settle, type TestClient } from "./helpers";

const options = { lagMaxMs: 1000, windowMs: 2000 };

describe("input shedding (the policy)", () => {
  it("admits every write while the room delivers in time", () => {
    const shedding = new InputShedding(options);
    for (let i = 0; i < 100; i++) expect(shedding.admit(`p${i % 3}`, 999, 1000 + i).ok).toBe(true);
  });

  it("past the lag, shares what the room delivers equally among the active senders", () => {
    const shedding = new InputShedding(options);
    const admitted = new Map<string, number>();
    for (let t = -2000; t < 0; t += 100) shedding.delivered(10, t);
    // 10 senders each try 50 writes a second for 4 s; the room delivers 100 events a second.
    for (let t = 0; t < 4000; t += 10) {
      if (t % 100 === 0) shedding.delivered(10, t);
      for (let s = 0; s < 10; s++) {
        const sender = `p${s}`;
        if ((t / 10 + s) % 2 === 0 && shedding.admit(sender, 1500, t).ok) {
          admitted.set(sender, (admitted.get(sender) ?? 0) + 1);
        }
      }
    }
    const counts = [...admitted.values()];
    expect(counts).toHaveLength(10);
    // Within 2 of ~32 each: senders that first appear while fewer are active start with a shorter wait.
    expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(2);
    // About 0.8 x 100 a second in all, divided by 1.5 for a lag of 1.5 s (~53 a second), not the 500 a second offered.
    const total = counts.reduce((a, b) => a + b, 0);
    expect(total).toBeGreaterThan(150);
    expect(total).toBeLessThan(300);
  });

  it("admits less the later the room is, so what waits drains the sooner", () => {
    const admittedAt = (lagMs: number) => {
      const shedding = new InputShedding(options);
      let admitted = 0;
      for (let t = -2000; t < 0; t += 100) shedding.delivered(10, t);
      for (let t = 0; t < 4000; t += 10) {
        if (t % 100 === 0) shedding.delivered(10, t);
        for (let s = 0; s < 10; s++) if (shedding.admit(`p${s}`, lagMs, t).ok) admitted++;
      }
      return admitted;
    };
    const late = admittedAt(1500);
    const later = admittedAt(6000);
    expect(later).toBeLessThan(late / 2.5);
    expect(later).toBeGreaterThan(0);
  });

  it("tells a refused sender when its next write fits", () => {
    const shedding = new InputShedding(options);
    shedding.delivered(20, 0);
    expect(shedding.admit("a", 1500, 100).ok).toBe(true);
    const refused = shedding.admit("a", 1500, 100);
    expect(refused.ok).toBe(false);
    const wait = refused.ok ? 0 : refused.retryAfterMs;
    expect(wait).toBeGreaterThan(0);
    expect(shedding.admit("a", 1500, 100 + wait).ok).toBe(true);
  });
});

describe("delivery lag (what the readers report)", () => {
  const ws = (label: string) => ({ label }) as unknown as WebSocket;

  it("is the age of the oldest character a reader has not reported, least among the readers", () => {
    const lag = new DeliveryLag({ reportMs: 2000, forgetAfterMs: 60_000 });
    const [fast, slow] = [ws("fast"), ws("slow")];
    for (const reader of [fast, slow]) {
      lag.sent(reader, 100, 0);
      lag.sent(reader, 100, 500);
    }
    expect(lag.lagMs(600)).toBe(0);
    lag.received(slow, 200, 1200);
    expect(lag.lagMs(1200)).toBe(1200);
    lag.received(fast, 100, 1200);
    expect(lag.lagMs(1200)).toBe(700);
    lag.received(fast, 0, 1300);
    expect(lag.lagMs(1300)).toBe(0);
  });

  it("counts a report that is overdue", () => {
    const lag = new DeliveryLag({ reportMs: 2000, forgetAfterMs: 60_000 });
    const reader = ws("r");
    lag.sent(reader, 100, 0);
    lag.received(reader, 0, 100);
    lag.sent(reader, 100, 200);
    expect(lag.lagMs(1000)).toBe(0);
    expect(lag.lagMs(5200)).toBe(3000);
  });
});

/** Every socket reports having read nothing since it joined, so the room's readers are all behind. */
function reportBehind(clients: TestClient[]): void {
  for (const client of clients) client.send({ type: "received", chars: 0 });
}

describe("input shedding (in a room)", () => {
  it("refuses a flood fairly across senders while the room is behind, and delivers every acked message", async () => {
    const room = freshRoom();
    const readers = [await join(room, "reader1"), await join(room, "reader2")];
    const senders = [await join(room, "ann"), await join(room, "bob"), await join(room, "cyd")];
    const everyone = [...readers, ...senders];
    // What the room sent (the welcomes) waits unread for more than the room's lag limit.
    await settle(LIMITS.shedLagMs + 200);
    reportBehind(everyone);
    await settle(50);

    const burst = 5;
    for (const [s, sender] of senders.entries()) {
      for (let i = 0; i < burst; i++) sender.send({ type: "send", id: `s${s}-${i}`, text: `flood ${s} ${i}` });
    }
    const answers = await Promise.all(
      senders.map(async (sender) => {
        await sender.collect("error", 0);
        const deadline = Date.now() + 5000;
        while (sender.of("ack").length + sender.of("error").length < burst && Date.now() < deadline) await settle(10);
        return { acks: sender.of("ack"), refused: sender.of("error") };
      }),
    );
    // Equal shares: each sender got the same number stored, and the rest refused with when to retry.
    const stored = answers.map((a) => a.acks.length);
    expect(Math.min(...stored)).toBeGreaterThanOrEqual(1);
    expect(Math.max(...stored) - Math.min(...stored)).toBe(0);
    for (const { refused } of answers) {
      expect(refused.length).toBeGreaterThan(0);
      for (const error of refused) {
        expect(error).toMatchObject({ code: "rate_limited" });
        expect(error.retryAfterMs).toBeGreaterThan(0);
      }
    }
    // Nothing refused was stored; everything acked reaches every other socket.
    const acked = answers.flatMap((a) => a.acks);
    expect(await lastSeq(room)).toBe(acked.length);
    for (const reader of readers) {
      const messages = await reader.collect("message", acked.length);
      expect(messages.map((m) => m.seq).sort((x, y) => x - y)).toEqual(acked.map((a) => a.seq).sort((x, y) => x - y));
    }
  });

  it("still acks a retry of a stored message, and never sheds deletions", async () => {
    const room = freshRoom();
    const reader = await join(room, "reader");
    const ann = await join(room, "ann");
    const first = await act(ann, { type: "send", text: "before the storm" });
    expect(first.type).toBe("ack");
    const storedId = (first as { id: string }).id;
    await settle(LIMITS.shedLagMs + 200);
    reportBehind([reader, ann]);
    await settle(50);
    // Her share: one write, then refusals.
    expect((await act(ann, { type: "send", text: "one" })).type).toBe("ack");
    expect(await act(ann, { type: "send", text: "two" })).toMatchObject({ code: "rate_limited" });
    expect(await act(ann, { type: "edit", target: 1, text: "edited" })).toMatchObject({ code: "rate_limited" });
    // A retry of what is stored gets its ack again; a deletion goes through.
    const from = ann.frames.length;
    ann.send({ type: "send", id: storedId, text: "before the storm" });
    const again = await ann.next("ack", (a) => a.id === storedId, from);
    expect(again.seq).toBe(1);
    expect((await act(ann, { type: "delete", target: 1 })).type).toBe("ack");
  });
});
