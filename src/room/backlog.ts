type Progress = { sent: number; read: number; offset: number | null; reportedAt: number | null };

/**
 * How far behind each socket's reader is. Workers has no `bufferedAmount`, so
 * the room counts the characters it sends each socket, and the page reports
 * how many it has received in all (`received`). The difference is what waits
 * in buffers for that reader.
 *
 * A reader is too far behind when its gap passes `max` beyond the room's own
 * lag: the smallest gap among the other sockets that report, measured once
 * per flush. What the runtime has not sent yet counts in every gap, so when
 * the room itself is slow everyone is behind alike and nobody is blamed for
 * it. That allowance is capped at `lagMax`, so a few readers that stall
 * together cannot excuse each other without limit.
 *
 * Counts live in memory. After a wake the first report is taken as caught up,
 * so what was buffered before the wake is not counted: the gap is never
 * overestimated, and underestimated by at most one bound's worth.
 */
export class Backlog {
  readonly #max: number;
  readonly #lagMax: number;
  readonly #sockets = new WeakMap<WebSocket, Progress>();
  // The two smallest gaps among reporting sockets, so each socket's allowance leaves its own out.
  #least: { ws: WebSocket | null; gap: number } = { ws: null, gap: 0 };
  #second = 0;

  constructor(max: number, lagMax: number) {
    this.#max = max;
    this.#lagMax = lagMax;
  }

  /** A new socket: everything it will receive is counted from here. */
  start(ws: WebSocket): void {
    this.#sockets.set(ws, { sent: 0, read: 0, offset: 0, reportedAt: null });
  }

  /** Measures the room's own lag before a flush, from the sockets that report. */
  measure(sockets: Iterable<WebSocket>): void {
    let least: { ws: WebSocket | null; gap: number } = { ws: null, gap: Number.POSITIVE_INFINITY };
    let second = Number.POSITIVE_INFINITY;
    for (const ws of sockets) {
      const progress = this.#sockets.get(ws);
      if (!progress || progress.reportedAt === null) continue;
      const gap = progress.sent - progress.read;
      if (gap < least.gap) {
        second = least.gap;
        least = { ws, gap };
      } else if (gap < second) second = gap;
    }
    this.#least = least.ws ? least : { ws: null, gap: 0 };
    this.#second = Number.isFinite(second) ? second : 0;
  }

  /** Counts a send; false when the socket is now too far behind. */
  sent(ws: WebSocket, chars: number): boolean {
    const progress = this.#progress(ws);
    progress.sent += chars;
    const roomLag = Math.min(this.#lagMax, ws === this.#least.ws ? this.#second : this.#least.gap);
    return progress.sent - progress.read <= this.#max + roomLag;
  }

  /**
   * Takes the reader's report of all it has received on this socket; false
   * when it claims more than the room sent it, which no reader that counts
   * what it read can do: a lie, from one that stopped reading.
   */
  received(ws: WebSocket, total: number, now: number): boolean {
    const progress = this.#progress(ws);
    progress.offset ??= total - progress.sent;
    progress.reportedAt = now;
    const claimed = total - progress.offset;
    // A report can neither go back nor count for more than was sent.
    progress.read = Math.min(progress.sent, Math.max(progress.read, claimed));
    return claimed <= progress.sent;
  }

  /** Characters sent and not yet reported read. */
  behind(ws: WebSocket): number {
    const progress = this.#sockets.get(ws);
    return progress ? progress.sent - progress.read : 0;
  }

  /**
   * A reader that reports (so it speaks this protocol) but has gone silent
   * for `silentMs` with at least `min` characters unread has stopped reading,
   * even if it never passes the bound in a quiet room.
   */
  stalled(ws: WebSocket, now: number, silentMs: number, min: number): boolean {
    const progress = this.#sockets.get(ws);
    if (!progress || progress.reportedAt === null) return false;
    return now - progress.reportedAt > silentMs && progress.sent - progress.read >= min;
  }

  #progress(ws: WebSocket): Progress {
    let progress = this.#sockets.get(ws);
    if (!progress) {
      progress = { sent: 0, read: 0, offset: null, reportedAt: null };
      this.#sockets.set(ws, progress);
    }
    return progress;
  }
}
