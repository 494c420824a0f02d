import { LIMITS } from "../shared";
import { type TakeResult, TokenBucket } from "./token-bucket";

type SocketTraffic = {
  frames: TokenBucket;
  reports: TokenBucket;
  history: TokenBucket;
  refusedInARow: number;
  lastFrameAt: number;
};

export type FrameVerdict = TakeResult | { ok: false; flooding: true };

/**
 * What one socket and one person may ask of the room. Every frame counts
 * against its socket's budget (progress reports and catch-up requests have
 * their own, so they never cost a person a message); what writes to the log
 * counts against the person's budget, shared by all of their sockets; the
 * history a socket is sent (welcome, catch-up and older pages) counts in
 * bytes against its own budget. Every count is of what the room received or
 * sent, never of what a client says. Kept in memory: lost on eviction
 * without harm, since these only limit and never decide.
 */
export class Traffic {
  readonly #sockets = new WeakMap<object, SocketTraffic>();
  readonly #people = new Map<string, TokenBucket>();
  readonly #historyBytesPerMinute: number;

  constructor(historyBytesPerMinute: number) {
    this.#historyBytesPerMinute = historyBytesPerMinute;
  }

  /** Counts one incoming frame; refused when over budget, `flooding` once refused too often in a row. */
  frame(ws: WebSocket, housekeeping: boolean, now: number): FrameVerdict {
    const traffic = this.#socket(ws, now);
    traffic.lastFrameAt = now;
    const taken = (housekeeping ? traffic.reports : traffic.frames).take(now);
    if (taken.ok) {
      traffic.refusedInARow = 0;
      return taken;
    }
    traffic.refusedInARow++;
    return traffic.refusedInARow > LIMITS.floodCloseAfter ? { ok: false, flooding: true } : taken;
  }

  /** One write (a send, edit, deletion or reaction) by this person, from any of their sockets. */
  write(identity: string, now: number): TakeResult {
    let bucket = this.#people.get(identity);
    if (!bucket) {
      bucket = new TokenBucket(LIMITS.writeBurst, LIMITS.writesPerSecond, now);
      this.#people.set(identity, bucket);
    }
    return bucket.take(now);
  }

  /** History of `bytes` about to be sent to this socket. */
  history(ws: object, bytes: number, now: number): TakeResult {
    return this.#socket(ws, now).history.take(now, bytes);
  }

  /** When the socket last sent a frame, if it did since the room woke. */
  lastFrameAt(ws: WebSocket): number | undefined {
    return this.#sockets.get(ws)?.lastFrameAt;
  }

  /** Forgets people whose budget has refilled: keeping them would change nothing. */
  prune(now: number): void {
    for (const [identity, bucket] of this.#people) if (bucket.isFull(now)) this.#people.delete(identity);
  }

  #socket(ws: object, now: number): SocketTraffic {
    let traffic = this.#sockets.get(ws);
    if (!traffic) {
      const historyBytes = this.#historyBytesPerMinute;
      traffic = {
        frames: new TokenBucket(LIMITS.rateBurst, LIMITS.ratePerSecond, now),
        reports: new TokenBucket(LIMITS.housekeepingBurst, LIMITS.housekeepingPerSecond, now),
        history: new TokenBucket(historyBytes, historyBytes / 60, now),
        refusedInARow: 0,
        lastFrameAt: now,
      };
      this.#sockets.set(ws, traffic);
    }
    return traffic;
  }
}
