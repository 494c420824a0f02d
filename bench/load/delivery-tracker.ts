// Counts what one receiving socket got from each sender: latency, loss, duplicates, order.
import { type Histogram, record } from "./histogram.ts";

// Keys for missing (sender, counter) pairs; counters stay far below this.
const COUNTER_SPAN = 2 ** 21;

export type Totals = { delivered: number; duplicated: number; outOfOrder: number; inWindow: number };

/** Counters each sender's messages were refused with, by global socket index: never delivered. */
export type Refused = ReadonlyMap<number, ReadonlySet<number>>;

export class DeliveryTracker {
  /** The next counter expected from each sender, by global socket index. */
  readonly #next: Int32Array;
  /** Skipped (sender, counter) pairs: lost unless they turn up later (then out of order). */
  readonly #missing = new Set<number>();

  constructor(senders: number) {
    this.#next = new Int32Array(senders);
  }

  /** Records one payload "sender:counter:sentAtMs" received at `now`. */
  receive(text: string, now: number, window: { recordFrom: number; end: number }, totals: Totals, h: Histogram): void {
    const first = text.indexOf(":");
    const second = text.indexOf(":", first + 1);
    const sender = Number(text.slice(0, first));
    const counter = Number(text.slice(first + 1, second));
    const sentAt = Number(text.slice(second + 1));
    const next = this.#next[sender] ?? 0;
    if (counter === next) {
      this.#next[sender] = next + 1;
    } else if (counter > next) {
      for (let c = next; c < counter; c++) this.#missing.add(sender * COUNTER_SPAN + c);
      this.#next[sender] = counter + 1;
    } else if (this.#missing.delete(sender * COUNTER_SPAN + counter)) {
      totals.outOfOrder++;
    } else {
      totals.duplicated++;
      return;
    }
    totals.delivered++;
    if (now <= window.end) totals.inWindow++;
    if (sentAt >= window.recordFrom) record(h, now - sentAt);
  }

  /** Messages from others never received, given how many each sender sent and which were refused. */
  lost(sent: number[], self: number, refused: Refused = new Map()): number {
    let lost = 0;
    for (const key of this.#missing) {
      const sender = Math.floor(key / COUNTER_SPAN);
      if (!refused.get(sender)?.has(key % COUNTER_SPAN)) lost++;
    }
    for (let s = 0; s < sent.length; s++) {
      if (s === self) continue;
      const gone = refused.get(s);
      for (let c = this.#next[s] ?? 0; c < (sent[s] ?? 0); c++) if (!gone?.has(c)) lost++;
    }
    return lost;
  }
}
