import { describe, expect, it } from "vitest";
import { DeliveryCapacity } from "../../src/room/delivery-capacity";
import { DeliveryLag } from "../../src/room/delivery-lag";
import { InputShedding } from "../../src/room/input-shedding";
import { LIMITS } from "../../src/shared/protocol";
import { act, freshRoom, join, lastSeq, settle, type TestClient } from "./helpers";

// The lag rule alone: a capacity no room of `SOCKETS` comes near.
const options = { deliveriesPerSecond: 1e12, lagMaxMs: 1000, windowMs: 2000 };
const SOCKETS = 5;

describe("input shedding (the policy)", () => {
  it("admits every write while the room delivers in time", () => {
    const shedding = new InputShedding(options);
    for (let i = 0; i < 100; i++) expect(shedding.admit(`p${i % 3}`, 999, SOCKETS, 1000 + i).ok).toBe(true);
  });

  it("past the lag, shares what the room delivers equally among the active senders", () => {
    const shedding = new InputShedding(options);
    const admitted = new Map<string, number>();
    for (let t = -2000; t < 0; t += 100) shedding.delivered(10, SOCKETS, 0, 0, t);
    // 10 senders each try 50 writes a second for 4 s; the room delivers 100 events a second.
    for (let t = 0; t < 4000; t += 10) {
      if (t % 100 === 0) shedding.delivered(10, SOCKETS, 0, 0, t);
      for (let s = 0; s < 10; s++) {
        const sender = `p${s}`;
        if ((t / 10 + s) % 2 === 0 && shedding.admit(sender, 1500, SOCKETS, t).ok) {
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
      for (let t = -2000; t < 0; t += 100) shedding.delivered(10, SOCKETS, 0, 0, t);
      for (let t = 0; t < 4000; t += 10) {
        if (t % 100 === 0) shedding.delivered(10, SOCKETS, 0, 0, t);
        for (let s = 0; s < 10; s++) if (shedding.admit(`p${s}`, lagMs, SOCKETS, t).ok) admitted++;
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
    shedding.delivered(20, SOCKETS, 0, 0, 0);
    expect(shedding.admit("a", 1500, SOCKETS, 100).ok).toBe(true);
    const refused = shedding.admit("a", 1500, SOCKETS, 100);
    expect(refused.ok).toBe(false);
    const wait = refused.ok ? 0 : refused.retryAfterMs;
    expect(wait).toBeGreaterThan(0);
    expect(shedding.admit("a", 1500, SOCKETS, 100 + wait).ok).toBe(true);
  });
});

/** `senders` each try `perSecond` writes a second for `seconds`, staggered evenly; what each got stored. */
function flood(shedding: InputShedding, senders: number, sockets: number, perSecond: number, seconds: number) {
  const admitted = new Array<number>(senders).fill(0);
  const admittedAt: number[] = [];
  const periodMs = 1000 / perSecond;
  for (let tick = 0; tick < seconds * perSecond; tick++) {
    for (let s = 0; s < senders; s++) {
      const t = tick * periodMs + (s * periodMs) / senders;
      if (shedding.admit(`p${s}`, 0, sockets, t).ok) {
        admitted[s] = (admitted[s] ?? 0) + 1;
        admittedAt.push(t);
      }
    }
  }
  return { admitted, admittedAt, total: admitted.reduce((a, b) => a + b, 0) };
}

describe("input shedding (the room's capacity)", () => {
  // 0.8 x 250,000 deliveries a second: at 800 sockets 250 messages a second, a burst of 62.
  const capacity = { deliveriesPerSecond: 250_000, lagMaxMs: 1000, windowMs: 2000 };

  it("from the first write of a flood, takes in about deliveries a second / sockets, shared equally", () => {
    // 800 sockets each sending 2 a second: 1,600 offered, 250 a second deliverable.
    const { admitted, admittedAt, total } = flood(new InputShedding(capacity), 800, 800, 2, 5);
    // 5 s at 250 a second plus the burst: the rest refused.
    expect(total).toBeGreaterThan(1000);
    expect(total).toBeLessThanOrEqual(5 * 250 + 63);
    // Never more in the first second than a second's worth and the burst: no lag had to build first.
    expect(admittedAt.filter((t) => t < 1000).length).toBeLessThanOrEqual(250 + 63);
    // Equal shares: nobody got two more than anybody else, and everybody got something.
    expect(Math.min(...admitted)).toBeGreaterThanOrEqual(1);
    expect(Math.max(...admitted) - Math.min(...admitted)).toBeLessThanOrEqual(2);
  });

  it("never refuses a room below its capacity, even a burst", () => {
    // 50 sockets and 200 sockets, everyone sending 2 a second (the bench's moderate and 200-socket loads).
    for (const sockets of [50, 200]) {
      const { total } = flood(new InputShedding(capacity), sockets, sockets, 2, 5);
      expect(total).toBe(sockets * 2 * 5);
    }
    // Ten people each sending ten at once into a room of 50.
    const shedding = new InputShedding(capacity);
    for (let s = 0; s < 10; s++) for (let i = 0; i < 10; i++) expect(shedding.admit(`p${s}`, 0, 50, 0).ok).toBe(true);
  });

  it("tells a refused sender when its share comes round", () => {
    const shedding = new InputShedding(capacity);
    // 4,000 sockets: 50 messages a second, a burst of 12.
    let refused: { ok: false; retryAfterMs: number } | undefined;
    for (let i = 0; i < 100 && !refused; i++) {
      const result = shedding.admit("a", 0, 4000, 0);
      if (!result.ok) refused = result;
    }
    expect(refused?.retryAfterMs).toBeGreaterThan(0);
    expect(shedding.admit("a", 0, 4000, refused?.retryAfterMs ?? 0).ok).toBe(true);
  });

  it("measures the room's capacity while it is behind, and probes upward while it keeps up", () => {
    const figureAfter = (
      perSecond: number,
      lagMs: number,
      o: { limited?: boolean; admitted?: number; heldMs?: number } = {},
    ) => {
      const estimate = new DeliveryCapacity(100_000);
      // A flush every 100 ms for 3 s.
      for (let t = 0; t <= 3000; t += 100) {
        if (o.limited) estimate.limited();
        estimate.admitted((o.admitted ?? perSecond) / 10);
        estimate.flushed(perSecond / 10, lagMs, o.heldMs ?? 0, t);
      }
      return estimate.perSecond();
    };
    // Behind: what it delivered, it can.
    expect(figureAfter(300_000, 500)).toBeCloseTo(300_000, -3);
    // Behind and delivering less than it admitted: it can do no more than it delivered.
    expect(figureAfter(40_000, 500, { admitted: 80_000 })).toBeCloseTo(40_000, -3);
    // Slow but keeping up with what it admitted (a room of 200 at 2 messages a second each): the figure stays.
    expect(figureAfter(40_000, 500)).toBe(100_000);
    // Keeping up while nothing was refused: what was asked of it, not what it can; the figure stays.
    expect(figureAfter(40_000, 10)).toBe(100_000);
    // Keeping up while writes were refused: a step up each second.
    expect(figureAfter(40_000, 10, { limited: true })).toBeGreaterThan(100_000);
    // Delivering all it admitted, but with input held back (sends waiting to be read): three in ten less every
    // half second (7 times in 3 s, to a tenth), however much it delivered.
    expect(figureAfter(300_000, 500, { heldMs: 600 })).toBeCloseTo(100_000 * 0.7 ** 7, -1);
    expect(figureAfter(40_000, 10, { limited: true, heldMs: 600 })).toBeCloseTo(100_000 * 0.7 ** 7, -1);
  });

  it("admits less while its input waits, and climbs back once it keeps up", () => {
    const estimate = new DeliveryCapacity(100_000);
    let t = 0;
    const next = () => {
      t += 100;
      return t;
    };
    // One flush held back 500 ms: three in ten less.
    estimate.flushed(1000, 500, 500, t);
    expect(estimate.perSecond()).toBe(70_000);
    // Held back less than 300 ms (a long flush, not waiting input): unchanged.
    estimate.flushed(1000, 500, 200, next());
    expect(estimate.perSecond()).toBe(70_000);
    // Busy flushes that deliver far more, within a second of the held one: not raised.
    for (let i = 0; i < 8; i++) estimate.flushed(20_000, 500, 0, next());
    expect(estimate.perSecond()).toBe(70_000);
    // Calm, refusing, input read in time for over a second: a step up each second.
    for (let i = 0; i < 40; i++) {
      estimate.limited();
      estimate.flushed(1000, 10, 0, next());
    }
    expect(estimate.perSecond()).toBeGreaterThan(100_000);
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

  it("never refuses a small room's ordinary use: everyone sending a burst at once", async () => {
    const room = freshRoom();
    const people = await Promise.all(["ann", "bob", "cyd", "dan", "eve", "fay"].map((name) => join(room, name)));
    const burst = LIMITS.writeBurst;
    for (const [p, person] of people.entries()) {
      for (let i = 0; i < burst; i++) person.send({ type: "send", id: `m${p}-${i}`, text: `hello ${p} ${i}` });
    }
    for (const person of people) {
      const acks = await person.collect("ack", burst);
      expect(acks).toHaveLength(burst);
      expect(person.of("error")).toEqual([]);
    }
    expect(await lastSeq(room)).toBe(people.length * burst);
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
