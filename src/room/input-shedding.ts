import type { TakeResult } from "./token-bucket";

export type SheddingOptions = {
  /** A delivery lag over this means the room has accepted more than it can deliver in time. */
  lagMaxMs: number;
  /** Deliveries are counted over this window, and a sender counts as active this long after a write. */
  windowMs: number;
};

// While shedding, admit a little less than the room delivers, so what waits drains.
const DRAIN_FACTOR = 0.8;
// A room that delivered nothing in the window still admits this many writes a second in all.
const FLOOR_PER_SECOND = 1;
// However stalled the room, a sender is told to wait at most this long.
const MAX_INTERVAL_MS = 60_000;

type Sender = { seenAt: number; nextAt: number };

/**
 * Sheds writes a room cannot deliver in time, at the input, before they are
 * stored. While the room's delivery lag (how long its oldest undelivered
 * frame has waited) is over `lagMaxMs`, writes are admitted at a little less
 * than the rate the room delivered events over the last window, divided by how
 * many times `lagMaxMs` the lag is, shared equally among the senders active in
 * it: each gets one write per `active / rate`, and a faster one learns when
 * its next write fits.
 *
 * Invariant: it only ever refuses a write before it is stored; what it admits
 * is stored, acked and delivered like any other. Counts live in memory and
 * only limit, so eviction loses nothing that matters.
 */
export class InputShedding {
  readonly #lagMaxMs: number;
  readonly #windowMs: number;
  readonly #senders = new Map<string, Sender>();
  // Events delivered per flush: [when, how many], oldest first.
  #deliveries: [number, number][] = [];
  // The share, worked out at most once per event turn (the clock stands still within one).
  #share = { at: Number.NaN, intervalMs: 0 };

  constructor(options: SheddingOptions) {
    this.#lagMaxMs = options.lagMaxMs;
    this.#windowMs = options.windowMs;
  }

  /** One write by `sender` while the room's delivery lag is `lagMs`: admitted, or when to try again. */
  admit(sender: string, lagMs: number, now: number): TakeResult {
    let state = this.#senders.get(sender);
    if (!state) {
      state = { seenAt: now, nextAt: now };
      this.#senders.set(sender, state);
      this.#share.at = Number.NaN;
    }
    state.seenAt = now;
    if (lagMs <= this.#lagMaxMs) return { ok: true };
    // The later the room, the smaller each share, so what waits drains the sooner.
    const interval = this.#intervalMs(now) * (lagMs / this.#lagMaxMs);
    if (state.nextAt > now) return { ok: false, retryAfterMs: Math.ceil(state.nextAt - now) };
    state.nextAt = Math.max(state.nextAt, now) + interval;
    return { ok: true };
  }

  /** Events (with a seq) a flush sent out. */
  delivered(events: number, now: number): void {
    if (events > 0) this.#deliveries.push([now, events]);
    this.#share.at = Number.NaN;
    this.#forgetBefore(now - this.#windowMs);
  }

  /** Forgets senders gone quiet: keeping them would change nothing. */
  prune(now: number): void {
    for (const [sender, state] of this.#senders) {
      if (now - state.seenAt > this.#windowMs && state.nextAt <= now) this.#senders.delete(sender);
    }
    this.#forgetBefore(now - this.#windowMs);
  }

  /** Each active sender's share: one write per this many ms. */
  #intervalMs(now: number): number {
    if (this.#share.at === now) return this.#share.intervalMs;
    this.#forgetBefore(now - this.#windowMs);
    let events = 0;
    for (const [, n] of this.#deliveries) events += n;
    const perSecond = Math.max(FLOOR_PER_SECOND, (DRAIN_FACTOR * events * 1000) / this.#windowMs);
    let active = 0;
    for (const state of this.#senders.values()) if (now - state.seenAt <= this.#windowMs) active++;
    const intervalMs = Math.min(MAX_INTERVAL_MS, (Math.max(1, active) * 1000) / perSecond);
    this.#share = { at: now, intervalMs };
    return intervalMs;
  }

  #forgetBefore(time: number): void {
    let stale = 0;
    while (stale < this.#deliveries.length && (this.#deliveries[stale] as [number, number])[0] < time) stale++;
    if (stale > 0) this.#deliveries = this.#deliveries.slice(stale);
  }
}
