import { describe, expect, it } from "vitest";
import { Backlog } from "../../src/room/backlog";

// The backlog only keys sockets; any distinct objects stand in for them.
const socket = () => ({}) as WebSocket;
const MAX = 1000;

describe("how far behind a reader is", () => {
  it("closes the one reader far behind the others", () => {
    const backlog = new Backlog(MAX, 4 * MAX);
    const [fast, slow] = [socket(), socket()];
    for (const ws of [fast, slow]) backlog.start(ws);
    for (const ws of [fast, slow]) backlog.received(ws, 0, 0);
    backlog.measure([fast, slow]);
    expect(backlog.sent(fast, 600)).toBe(true);
    expect(backlog.sent(slow, 600)).toBe(true);
    backlog.received(fast, 600, 1);
    backlog.measure([fast, slow]);
    expect(backlog.sent(fast, 600)).toBe(true);
    expect(backlog.sent(slow, 600)).toBe(false);
  });

  it("blames nobody when the room itself lags and everyone is behind alike", () => {
    const backlog = new Backlog(MAX, 4 * MAX);
    const readers = [socket(), socket(), socket()];
    for (const ws of readers) {
      backlog.start(ws);
      backlog.received(ws, 0, 0);
    }
    for (let round = 0; round < 3; round++) {
      backlog.measure(readers);
      for (const ws of readers) expect(backlog.sent(ws, 900)).toBe(true);
    }
  });

  it("gives a lone reader no allowance, and a few stalled together only a bounded one", () => {
    const lone = new Backlog(MAX, 4 * MAX);
    const ws = socket();
    lone.start(ws);
    lone.received(ws, 0, 0);
    lone.measure([ws]);
    expect(lone.sent(ws, MAX + 1)).toBe(false);

    const pair = new Backlog(MAX, 2 * MAX);
    const [a, b] = [socket(), socket()];
    for (const s of [a, b]) {
      pair.start(s);
      pair.received(s, 0, 0);
    }
    let sentA = 0;
    while (sentA < 10 * MAX) {
      pair.measure([a, b]);
      pair.sent(b, 500);
      if (!pair.sent(a, 500)) break;
      sentA += 500;
    }
    expect(sentA).toBeLessThanOrEqual(3 * MAX);
  });

  it("calls a reporting reader stalled once it has been silent with frames unread", () => {
    const backlog = new Backlog(MAX, 4 * MAX);
    const [quiet, silent, neverReported] = [socket(), socket(), socket()];
    for (const ws of [quiet, silent, neverReported]) backlog.start(ws);
    backlog.received(quiet, 0, 0);
    backlog.received(silent, 0, 0);
    backlog.sent(silent, 500);
    backlog.sent(neverReported, 500);
    expect(backlog.stalled(silent, 30_000, 60_000, 100)).toBe(false);
    expect(backlog.stalled(silent, 61_000, 60_000, 100)).toBe(true);
    // Nothing unread: a quiet room, not a stalled reader.
    expect(backlog.stalled(quiet, 61_000, 60_000, 100)).toBe(false);
    // A client that never spoke this protocol is bounded by the gap alone.
    expect(backlog.stalled(neverReported, 61_000, 60_000, 100)).toBe(false);
  });
});
