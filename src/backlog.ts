type Progress = { sent: number; read: number; offset: number | null };

/**
 * How far behind each socket's reader is. Workers has no `bufferedAmount`, so
 * the room counts the characters it sends each socket, and the page reports
 * how many it has received in all (`received`). The difference is what waits
 * in buffers for that reader; past `max` the socket is to be closed.
 *
 * Counts live in memory. After a wake the first report is taken as caught up,
 * so what was buffered before the wake is not counted: the gap is never
 * overestimated, and underestimated by at most one bound's worth.
 */
export class Backlog {
  readonly #max: number;
  readonly #sockets = new WeakMap<WebSocket, Progress>();

  constructor(max: number) {
    this.#max = max;
  }

  /** A new socket: everything it will receive is counted from here. */
  start(ws: WebSocket): void {
    this.#sockets.set(ws, { sent: 0, read: 0, offset: 0 });
  }

  /** Counts a send; false when the socket is now more than `max` behind. */
  sent(ws: WebSocket, chars: number): boolean {
    const progress = this.#progress(ws);
    progress.sent += chars;
    return progress.sent - progress.read <= this.#max;
  }

  /** Takes the reader's report of all it has received on this socket. */
  received(ws: WebSocket, total: number): void {
    const progress = this.#progress(ws);
    progress.offset ??= total - progress.sent;
    // A report can neither go back nor claim more than was sent.
    progress.read = Math.min(progress.sent, Math.max(progress.read, total - progress.offset));
  }

  /** Characters sent and not yet reported read. */
  behind(ws: WebSocket): number {
    const progress = this.#sockets.get(ws);
    return progress ? progress.sent - progress.read : 0;
  }

  #progress(ws: WebSocket): Progress {
    let progress = this.#sockets.get(ws);
    if (!progress) {
      progress = { sent: 0, read: 0, offset: null };
      this.#sockets.set(ws, progress);
    }
    return progress;
  }
}
