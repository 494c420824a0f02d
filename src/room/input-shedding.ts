import { DeliveryCapacity } from "./delivery-capacity";
import type { TakeResult } from "./token-bucket";

export type SheddingOptions = {
  /** Deliveries (one event to one socket) a second the room is assumed to make until it measures more. */
  deliveriesPerSecond: number;
  /** A delivery lag over this means the room has accepted more than it can deliver in time. */
  lagMaxMs: number;
  /** Deliveries are counted over this window, and a sender counts as active this long after a write. */
  windowMs: number;
};

// Admit this share of what the room can deliver: the rest is for reading its input (refusals included).
const CAPACITY_SHARE = 0.8;
// The room-wide budget holds this much of the room's delivery time: a burst it admits at once is out within it,
// and a room far below its capacity never comes near it (50 sockets: 600 messages at once, 2,400 a second).
const BURST_MS = 250;
// While the lag rule sheds, admit a little less than the room delivers, so what waits drains.
const DRAIN_FACTOR = 0.8;
// A room that delivered nothing in the window still admits this many writes a second in all.
const FLOOR_PER_SECOND = 1;
// However stalled the room, a sender is told to wait at most this long.
const MAX_INTERVAL_MS = 60_000;
// Active senders are counted over all of them at most this often (a new one counts at once): counted on every
// write, it was a pass over a flood's every sender each time.
const ACTIVE_REFRESH_MS = 100;

type Bucket = { tokens: number; at: number };
// `share`: the capacity rule's bucket; `nextAt`: the lag rule's turn.
type Sender = { seenAt: number; share: Bucket; nextAt: number };

/**
 * Sheds writes a room cannot deliver in time, at the input, before they are
 * stored. Two rules, and a write must pass both:
 * - capacity, always: a message to `n` sockets costs `n` deliveries, so the
 *   room takes in at most `CAPACITY_SHARE` of the deliveries a second it can
 *   make (`DeliveryCapacity`) divided by `n` messages a second (with a burst of `BURST_MS` of that), each active sender an equal
 *   part of it (with an equal part of the burst);
 * - lag, the safety net: while the room's delivery lag is over `lagMaxMs`,
 *   writes are admitted at a little less than the events it delivered over
 *   the last window, divided by how many times `lagMaxMs` the lag is, shared
 *   equally: each active sender gets one write per `active / rate`.
 * A refused sender learns when its next write fits.
 *
 * Invariant: it only ever refuses a write before it is stored; what it admits
 * is stored, acked and delivered like any other. Counts live in memory and
 * only limit, so eviction loses nothing that matters.
 */
export class InputShedding {
  readonly #lagMaxMs: number;
  readonly #windowMs: number;
  readonly #capacity: DeliveryCapacity;
  readonly #senders = new Map<string, Sender>();
  readonly #room: Bucket = { tokens: Number.POSITIVE_INFINITY, at: 0 };
  // Events delivered per flush: [when, how many], oldest first.
  #deliveries: [number, number][] = [];
  // Worked out at most once per event turn (the clock stands still within one).
  #share = { at: Number.NaN, intervalMs: 0 };
  #active = { at: Number.NaN, count: 0 };

  constructor(options: SheddingOptions) {
    this.#lagMaxMs = options.lagMaxMs;
    this.#windowMs = options.windowMs;
    this.#capacity = new DeliveryCapacity(options.deliveriesPerSecond);
  }

  /** One write by `sender` into a room of `sockets` whose delivery lag is `lagMs`: admitted, or when to try again. */
  admit(sender: string, lagMs: number, sockets: number, now: number): TakeResult {
    let state = this.#senders.get(sender);
    if (!state) {
      state = { seenAt: now, share: { tokens: Number.POSITIVE_INFINITY, at: now }, nextAt: now };
      this.#senders.set(sender, state);
      this.#share.at = Number.NaN;
      this.#active.count++;
    }
    state.seenAt = now;
    const active = this.#activeCount(now);
    // Capacity: messages a second the room can deliver to all its sockets, and each sender's part.
    const perSecond = (CAPACITY_SHARE * this.#capacity.perSecond()) / Math.max(1, sockets);
    const burst = Math.max(1, (perSecond * BURST_MS) / 1000);
    refill(this.#room, perSecond, burst, now);
    refill(state.share, perSecond / active, Math.max(1, burst / active), now);
    let waitMs = 0;
    if (state.share.tokens < 1) waitMs = ((1 - state.share.tokens) * 1000 * active) / perSecond;
    // The room's budget is spent: this sender's turn comes round with its part of the rate.
    else if (this.#room.tokens < 1) waitMs = (1000 * active) / perSecond;
    if (waitMs > 0) this.#capacity.limited();
    // Lag: past it, one write per share interval, shorter the later the room is.
    const lagging = lagMs > this.#lagMaxMs;
    const interval = lagging ? this.#intervalMs(now) * (lagMs / this.#lagMaxMs) : 0;
    if (lagging && state.nextAt > now) waitMs = Math.max(waitMs, state.nextAt - now);
    if (waitMs > 0) return { ok: false, retryAfterMs: Math.ceil(Math.min(MAX_INTERVAL_MS, waitMs)) };
    this.#room.tokens--;
    state.share.tokens--;
    this.#capacity.admitted(sockets);
    if (lagging) state.nextAt = Math.max(state.nextAt, now) + interval;
    return { ok: true };
  }

  /** A flush sent `events` (with a seq) to `sockets`; its oldest frame had waited `lagMs`, input `heldMs`. */
  delivered(events: number, sockets: number, lagMs: number, heldMs: number, now: number): void {
    if (events > 0) this.#deliveries.push([now, events]);
    this.#capacity.flushed(events * sockets, lagMs, heldMs, now);
    this.#share.at = Number.NaN;
    this.#forgetBefore(now - this.#windowMs);
  }

  /** Forgets senders gone quiet: keeping them would change nothing. */
  prune(now: number): void {
    for (const [sender, state] of this.#senders) {
      if (now - state.seenAt > this.#windowMs && state.nextAt <= now) this.#senders.delete(sender);
    }
    this.#active.at = Number.NaN;
    this.#forgetBefore(now - this.#windowMs);
  }

  /** Senders that wrote (or tried to) within the window, at most `ACTIVE_REFRESH_MS` ago: at least 1. */
  #activeCount(now: number): number {
    if (now - this.#active.at < ACTIVE_REFRESH_MS && now >= this.#active.at) return Math.max(1, this.#active.count);
    let count = 0;
    for (const state of this.#senders.values()) if (now - state.seenAt <= this.#windowMs) count++;
    this.#active = { at: now, count };
    return Math.max(1, count);
  }

  /** The lag rule's share for each active sender: one write per this many ms. */
  #intervalMs(now: number): number {
    if (this.#share.at === now) return this.#share.intervalMs;
    this.#forgetBefore(now - this.#windowMs);
    let events = 0;
    for (const [, n] of this.#deliveries) events += n;
    const perSecond = Math.max(FLOOR_PER_SECOND, (DRAIN_FACTOR * events * 1000) / this.#windowMs);
    const intervalMs = Math.min(MAX_INTERVAL_MS, (this.#activeCount(now) * 1000) / perSecond);
    this.#share = { at: now, intervalMs };
    return intervalMs;
  }

  #forgetBefore(time: number): void {
    let stale = 0;
    while (stale < this.#deliveries.length && (this.#deliveries[stale] as [number, number])[0] < time) stale++;
    if (stale > 0) this.#deliveries = this.#deliveries.slice(stale);
  }
}

/** Refills a bucket at `perSecond` up to `capacity` (which may have shrunk since: then down to it). */
function refill(bucket: Bucket, perSecond: number, capacity: number, now: number): void {
  const elapsed = Math.max(0, now - bucket.at);
  bucket.tokens = Math.min(capacity, bucket.tokens + (elapsed * perSecond) / 1000);
  bucket.at = now;
}
