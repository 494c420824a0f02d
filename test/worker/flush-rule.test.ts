import { describe, expect, it } from "vitest";
import { Fanout } from "../../src/room/fanout";
import type { BatchableFrame, LogEvent, ServerMessage } from "../../src/shared/protocol";
import { unbatch } from "../../src/shared/protocol";

// Sockets are only keys to the fan-out: plain objects stand in for them.
const socket = (label: string) => ({ label }) as unknown as WebSocket;

/** A fan-out over fake sockets, run by hand: `micro()` and `tick()` stand for the event loop. */
function harness(sockets: WebSocket[], flushCharsMax = 1_000_000, flushSendCharsMax = 1_000_000_000) {
  const received = new Map<WebSocket, string[]>(sockets.map((ws) => [ws, []]));
  const microtasks: (() => void)[] = [];
  const timers: (() => void)[] = [];
  const fanout = new Fanout(
    {
      sockets: () => sockets,
      socketCount: () => sockets.length,
      beforeFlush: () => {},
      send: (ws, payload) => {
        const list = received.get(ws);
        if (list) list.push(payload);
        else received.set(ws, [payload]);
        return true;
      },
      failed: () => {},
    },
    {
      flushCharsMax,
      flushSendCharsMax,
      flushCharsMin: 100,
      microtask: (run) => microtasks.push(run),
      timer: (run) => timers.push(run),
      now: () => 0,
    },
  );
  const runAll = (list: (() => void)[]) => {
    for (const run of list.splice(0)) run();
  };
  return {
    fanout,
    received,
    micro: () => runAll(microtasks),
    tick: () => runAll(timers),
    pending: () => ({ microtasks: microtasks.length, timers: timers.length }),
    /** What a socket got, frame by frame, read as the client reads it. */
    frames: (ws: WebSocket) => (received.get(ws) ?? []).flatMap((p) => unbatch(JSON.parse(p) as ServerMessage)),
  };
}

let seq = 0;
const message = (text: string): LogEvent =>
  ({ type: "message", seq: ++seq, id: text, name: "writer", text, ts: 0 }) as LogEvent;
const texts = (frames: (BatchableFrame | { type: string })[]) =>
  frames.map((f) => ("text" in f ? f.text : "id" in f ? `ack:${f.id}` : f.type));

describe("the flush rule", () => {
  it("sends a lone message after an idle spell at once, unbatched", () => {
    const reader = socket("reader");
    const h = harness([reader]);
    h.fanout.broadcast(message("hello"));
    expect(h.pending()).toEqual({ microtasks: 1, timers: 0 });
    h.micro();
    expect(h.received.get(reader)).toHaveLength(1);
    expect(JSON.parse(h.received.get(reader)?.[0] as string).type).toBe("message");
    // The tick after it finds nothing queued: the room is idle again, and the next lone message goes at once too.
    h.tick();
    h.fanout.broadcast(message("again"));
    expect(h.pending()).toEqual({ microtasks: 1, timers: 0 });
  });

  it("under a steady stream sends what arrived during each flush together, never one frame per message", () => {
    const sockets = Array.from({ length: 20 }, (_, i) => socket(`s${i}`));
    const h = harness(sockets);
    h.fanout.broadcast(message("m0"));
    h.micro();
    // A busy room: 5 messages arrive while each flush is sent, for 50 flushes.
    let sent = 1;
    for (let flush = 0; flush < 50; flush++) {
      for (let i = 0; i < 5; i++) h.fanout.broadcast(message(`m${sent++}`));
      expect(h.pending().microtasks).toBe(0);
      h.tick();
    }
    const reader = sockets[7] as WebSocket;
    expect(texts(h.frames(reader))).toEqual(Array.from({ length: sent }, (_, i) => `m${i}`));
    // One lone first message, then one batch of 5 per flush.
    expect(h.received.get(reader)).toHaveLength(51);
  });

  it("flushes without the tick once it has handled as many incoming frames as the last flush reached sockets", () => {
    const sockets = Array.from({ length: 20 }, (_, i) => socket(`s${i}`));
    const h = harness(sockets);
    h.fanout.broadcast(message("m0"));
    h.micro();
    // The runtime holds the tick back while frames keep coming: each one a message, handled.
    for (let i = 1; i <= 19; i++) {
      h.fanout.broadcast(message(`m${i}`));
      h.fanout.incoming();
    }
    expect(h.pending().microtasks).toBe(0);
    h.fanout.broadcast(message("m20"));
    h.fanout.incoming();
    expect(h.pending().microtasks).toBe(1);
    h.micro();
    const reader = sockets[3] as WebSocket;
    // One frame with all 20, not 20 frames.
    expect(h.received.get(reader)).toHaveLength(2);
    expect(texts(h.frames(reader))).toEqual(Array.from({ length: 21 }, (_, i) => `m${i}`));
    // The tick held back finally runs: it is stale and sends nothing twice; the next one finds the room idle.
    h.tick();
    h.tick();
    expect(h.received.get(reader)).toHaveLength(2);
    h.fanout.broadcast(message("lone"));
    expect(h.pending()).toEqual({ microtasks: 1, timers: 0 });
  });

  it("in a small room a burst still waits for the tick and goes out in one frame", () => {
    const [a, b] = [socket("a"), socket("b")];
    const h = harness([a, b]);
    h.fanout.broadcast(message("m0"));
    h.micro();
    for (let i = 1; i <= 10; i++) {
      h.fanout.broadcast(message(`m${i}`), a);
      h.fanout.incoming();
    }
    expect(h.pending().microtasks).toBe(0);
    h.tick();
    expect(h.received.get(b)).toHaveLength(2);
  });

  it("in a big room sends less a socket per flush, so one flush stays near its total cap", () => {
    const sockets = Array.from({ length: 50 }, (_, i) => socket(`s${i}`));
    // 10,000 characters a flush in all: 200 a socket (the least a socket gets is 100).
    const h = harness(sockets, 1_000_000, 10_000);
    h.fanout.broadcast(message("m0"));
    h.micro();
    for (let i = 1; i <= 40; i++) h.fanout.broadcast(message(`m${i}`));
    for (let i = 0; i < 100 && h.pending().timers > 0; i++) h.tick();
    const reader = sockets[9] as WebSocket;
    expect(texts(h.frames(reader))).toEqual(Array.from({ length: 41 }, (_, i) => `m${i}`));
    for (const payload of h.received.get(reader) ?? []) expect(payload.length).toBeLessThan(400);
    expect(h.received.get(reader)?.length).toBeGreaterThan(5);
  });

  it("counts a frame for one socket as that socket's share of the cap, so acks never crowd out the room's messages", () => {
    const sockets = Array.from({ length: 50 }, (_, i) => socket(`s${i}`));
    // 200 characters a socket a flush.
    const h = harness(sockets, 1_000_000, 10_000);
    h.fanout.broadcast(message("m0"));
    h.micro();
    for (const [i, ws] of sockets.entries()) h.fanout.sendTo(ws, { type: "ack", id: `a${i}`, seq: i, ts: 0 });
    h.fanout.broadcast(message("m1"));
    h.tick();
    // All 50 acks (each ~40 characters, 2,000 in all) and the message went in one flush.
    expect(texts(h.frames(sockets[49] as WebSocket))).toEqual(["m0", "ack:a49", "m1"]);
    expect(h.received.get(sockets[49] as WebSocket)).toHaveLength(2);
  });

  it("caps a flush and sends the rest on the next ticks, each socket's frames once and in order", () => {
    const [a, b, c] = ["a", "b", "c"].map(socket) as [WebSocket, WebSocket, WebSocket];
    const h = harness([a, b, c], 400);
    const expected = new Map<WebSocket, string[]>([
      [a, []],
      [b, []],
      [c, []],
    ]);
    // A busy room: senders get acks for their messages and never the messages themselves.
    h.fanout.broadcast(message("first"));
    h.micro();
    for (const ws of [a, b, c]) expected.get(ws)?.push("first");
    for (let i = 0; i < 60; i++) {
      const sender = [a, b, c][i % 3] as WebSocket;
      const m = message(`m${i}`);
      h.fanout.sendTo(sender, { type: "ack", id: `m${i}`, seq: m.seq, ts: 0 });
      expected.get(sender)?.push(`ack:m${i}`);
      h.fanout.broadcast(m, sender);
      for (const ws of [a, b, c]) if (ws !== sender) expected.get(ws)?.push(`m${i}`);
      if (i % 7 === 0) h.tick();
    }
    for (let i = 0; i < 100 && h.pending().timers > 0; i++) h.tick();
    for (const ws of [a, b, c]) expect(texts(h.frames(ws))).toEqual(expected.get(ws));
    // The cap held: no payload much over 400 characters of frames.
    for (const ws of [a, b, c])
      for (const payload of h.received.get(ws) ?? []) expect(payload.length).toBeLessThan(600);
  });

  it("sends a socket that joins while frames wait, even across capped flushes, only what came after its join", () => {
    const [a, late] = [socket("a"), socket("late")];
    const sockets = [a];
    const h = harness(sockets, 200);
    h.fanout.broadcast(message("m0"));
    h.micro();
    for (let i = 1; i <= 10; i++) h.fanout.broadcast(message(`m${i}`));
    h.fanout.join(late);
    sockets.push(late);
    for (let i = 11; i <= 20; i++) h.fanout.broadcast(message(`m${i}`));
    for (let i = 0; i < 50 && h.pending().timers > 0; i++) h.tick();
    expect(texts(h.frames(a))).toEqual(Array.from({ length: 21 }, (_, i) => `m${i}`));
    expect(texts(h.frames(late))).toEqual(Array.from({ length: 10 }, (_, i) => `m${i + 11}`));
    expect(h.received.get(a)?.length).toBeGreaterThan(3);
  });

  it("gives a socket about to close everything queued for it, in one payload", () => {
    const [a, b] = [socket("a"), socket("b")];
    const sockets = [a, b];
    const h = harness(sockets, 100);
    h.fanout.broadcast(message("x"));
    h.micro();
    for (let i = 0; i < 5; i++) h.fanout.broadcast(message(`q${i}`), a);
    h.fanout.sendTo(b, { type: "error", code: "banned", message: "you are banned from this room" });
    h.fanout.drainTo(b);
    // Then the room closes it and forgets it.
    sockets.pop();
    expect(texts(h.frames(b))).toEqual(["x", "q0", "q1", "q2", "q3", "q4", "error"]);
    for (let i = 0; i < 20 && h.pending().timers > 0; i++) h.tick();
    // Nothing twice once the queue goes out to the others.
    expect(texts(h.frames(b))).toEqual(["x", "q0", "q1", "q2", "q3", "q4", "error"]);
    expect(texts(h.frames(a))).toEqual(["x"]);
    expect(h.received.get(b)).toHaveLength(2);
  });

  it("reports how long the oldest queued frame has waited", () => {
    let now = 1000;
    const fanout = new Fanout(
      { sockets: () => [], socketCount: () => 0, beforeFlush: () => {}, send: () => true, failed: () => {} },
      {
        flushCharsMax: 100,
        flushSendCharsMax: 100,
        flushCharsMin: 100,
        microtask: () => {},
        timer: () => {},
        now: () => now,
      },
    );
    expect(fanout.lagMs(now)).toBe(0);
    fanout.broadcast(message("old"));
    now = 2500;
    fanout.broadcast(message("new"));
    expect(fanout.lagMs(now)).toBe(1500);
  });

  it("tells each flush how long the room's timer tick had been held back: how long input waited", () => {
    let now = 0;
    const held: number[] = [];
    const microtasks: (() => void)[] = [];
    const timers: (() => void)[] = [];
    const sockets = Array.from({ length: 20 }, (_, i) => socket(`s${i}`));
    const fanout = new Fanout(
      {
        sockets: () => sockets,
        socketCount: () => sockets.length,
        beforeFlush: () => {},
        send: () => true,
        failed: () => {},
        flushed: (_events, _sockets, _lagMs, heldMs) => held.push(heldMs),
      },
      {
        flushCharsMax: 1_000_000,
        flushSendCharsMax: 1_000_000_000,
        flushCharsMin: 100,
        microtask: (run) => microtasks.push(run),
        timer: (run) => timers.push(run),
        now: () => now,
      },
    );
    const run = (list: (() => void)[]) => {
      for (const f of list.splice(0)) f();
    };
    fanout.broadcast(message("first"));
    run(microtasks);
    // The tick asked for at 0 runs at 5: not held back.
    now = 5;
    fanout.broadcast(message("on time"));
    run(timers);
    // The next tick (asked for at 5) is held back while 20 frames are read, over 700 ms: the early flush says so.
    for (let i = 0; i < 20; i++) {
      now += 35;
      fanout.broadcast(message(`m${i}`));
      fanout.incoming();
    }
    run(microtasks);
    // Then the held ticks run (the last finds nothing queued), and the next flush finds none held.
    run(timers);
    now += 10;
    fanout.broadcast(message("after"));
    run(microtasks);
    expect(held).toEqual([0, 0, 700, 0]);
  });
});
