// A flush that starts with its oldest frame queued at least this long ago finds the room behind: it was busy
// (sending, or reading input that never let a tick run) since. In a room that keeps up flushes follow each other
// within a few ms; and a room behind by this much is already a quarter of the way to the 1 s the lag rule allows.
const SATURATED_LAG_MS = 250;
// Stretches are measured over this long: at least a few flushes even in a room of 800 sockets.
const WINDOW_MS = 1000;
// A stretch with no flush behind, in which writes were refused for capacity, raises the figure by this much:
// the room may be able to do more than it is let. Measured figures vary 3x on one machine from hour to hour.
const PROBE_FACTOR = 1.25;
// However slow a stretch measured, the figure stays at least this share of the assumed one.
const FLOOR_SHARE = 0.05;
// A busy stretch lowers the figure only when the room delivered less than this share of what it admitted:
// a room that is slow but keeps up (200 sockets: flushes 200-300 ms apart) is not past its capacity.
const FALLING_BEHIND = 0.9;
// A flush that finds the room's timer tick held back this long finds input waiting that long to be read (the
// runtime runs a tick only once no incoming frame waits): the room is not keeping up with what it is sent,
// refusals included. Measured at 800 sockets sending 2 a second: ticks held back 0.3-13 s while the room read
// 400-1,400 of the 1,600 frames a second...
const INPUT_HELD_MS = 300;
// ...so it admits this much of what it did, at most once per this long, and raises the figure again only after a
// window with none.
const INPUT_BACKOFF = 0.7;
const BACKOFF_EVERY_MS = 500;

type Stretch = { since: number; deliveries: number; admitted: number; limited: boolean };
const fresh = (since: number): Stretch => ({ since, deliveries: 0, admitted: 0, limited: false });

/**
 * How many deliveries (one event to one socket) a second the room can make
 * in time: the deployer's figure (`assumed`) until the room measures its own.
 * A stretch of flushes that all started behind is a stretch the room spent
 * busy, so what it delivered then it can: the figure rises to that, and
 * falls to it when the room delivered less than it admitted (it fell
 * behind). A stretch in which no flush was behind while writes were refused
 * for capacity raises the figure a step, so a room faster than its figure
 * finds out. The lag rule (`InputShedding`) stays the safety net.
 */
export class DeliveryCapacity {
  readonly #floor: number;
  #perSecond: number;
  // The current stretch of flushes that were all behind (busy) or all on time (calm).
  #busy = fresh(Number.NaN);
  #calm = fresh(Number.NaN);
  // When a flush last found input held back, and when that last lowered the figure.
  #heldAt = Number.NEGATIVE_INFINITY;
  #backedOffAt = Number.NEGATIVE_INFINITY;

  constructor(assumed: number) {
    this.#perSecond = assumed;
    this.#floor = assumed * FLOOR_SHARE;
  }

  /** A flush sent `deliveries`; its oldest frame had waited `lagMs`, and input had waited `heldMs`. */
  flushed(deliveries: number, lagMs: number, heldMs: number, now: number): void {
    if (heldMs >= INPUT_HELD_MS) {
      this.#heldAt = now;
      if (now - this.#backedOffAt >= BACKOFF_EVERY_MS) {
        this.#backedOffAt = now;
        this.#perSecond = Math.max(this.#floor, this.#perSecond * INPUT_BACKOFF);
      }
    }
    const behind = lagMs >= SATURATED_LAG_MS;
    // A stretch's first flush sent what was queued before it: counted from there on.
    if (behind ? Number.isNaN(this.#busy.since) : Number.isNaN(this.#calm.since)) {
      if (behind) [this.#busy, this.#calm] = [fresh(now), fresh(Number.NaN)];
      else [this.#calm, this.#busy] = [fresh(now), fresh(Number.NaN)];
      return;
    }
    const stretch = behind ? this.#busy : this.#calm;
    stretch.deliveries += deliveries;
    const elapsed = now - stretch.since;
    if (elapsed < WINDOW_MS) return;
    const measured = (stretch.deliveries * 1000) / elapsed;
    // While input waits, what the room delivered says nothing of what it can deliver and read too.
    const reading = now - this.#heldAt >= WINDOW_MS;
    if (behind && stretch.deliveries < FALLING_BEHIND * stretch.admitted) {
      this.#perSecond = Math.max(this.#floor, Math.min(measured, this.#perSecond));
    } else if (behind && reading && measured > this.#perSecond) this.#perSecond = measured;
    else if (!behind && reading && stretch.limited) this.#perSecond *= PROBE_FACTOR;
    if (behind) this.#busy = fresh(now);
    else this.#calm = fresh(now);
  }

  /** A write was admitted: `deliveries` to come. */
  admitted(deliveries: number): void {
    this.#busy.admitted += deliveries;
  }

  /** A write was refused because the room's capacity was spent. */
  limited(): void {
    this.#calm.limited = true;
  }

  /** Deliveries a second the room can make, as far as it knows. */
  perSecond(): number {
    return this.#perSecond;
  }
}
