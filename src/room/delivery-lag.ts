type Sent = { total: number; marks: [at: number, total: number][]; measured?: { lagMs: number; at: number } };

// Marks kept per socket: a reader that never reports cannot make the room keep more.
const MARKS_MAX = 1024;
// The least lag is worked out over every reporting socket at most this often (a report that lowers it counts at
// once): asked on every write, it cost a pass over all of a room's sockets each time (at 800 sockets under a
// flood, a fifth of the room's thread). Its one use, the lag rule, acts at a lag of a second.
const REFRESH_MS = 100;

/**
 * How long what the room has sent waits before its readers have it. The room
 * notes, per socket, when its count of characters sent passed each total; a
 * `received` report says how much of that has arrived, so the oldest
 * character still unread was sent at a known time. A report that is overdue
 * (readers report every `reportMs` while frames arrive) counts as a lag of
 * its own. The room's lag is the least among the sockets that report: what
 * the runtime, the network and the proxies in between have not delivered
 * yet, charged to the room only when even its fastest reader is behind. A
 * report travels in the same queues as the messages, so its delay counts too.
 */
export class DeliveryLag {
  readonly #reportMs: number;
  readonly #forgetAfterMs: number;
  readonly #sent = new WeakMap<WebSocket, Sent>();
  // Sockets whose readers report, by when they last did.
  readonly #reporting = new Map<WebSocket, number>();
  // The least lag (infinite while no socket reports), worked out at `at` and lowered by reports since.
  #least = { at: Number.NaN, lagMs: Number.POSITIVE_INFINITY };

  constructor(options: { reportMs: number; forgetAfterMs: number }) {
    this.#reportMs = options.reportMs;
    this.#forgetAfterMs = options.forgetAfterMs;
  }

  /** Characters handed to the socket now. */
  sent(ws: WebSocket, chars: number, now: number): void {
    let sent = this.#sent.get(ws);
    if (!sent) {
      sent = { total: 0, marks: [] };
      this.#sent.set(ws, sent);
    }
    sent.total += chars;
    const last = sent.marks.at(-1);
    if (last && last[0] === now) last[1] = sent.total;
    else {
      sent.marks.push([now, sent.total]);
      if (sent.marks.length > MARKS_MAX) sent.marks.shift();
    }
  }

  /** A report from the socket's reader: `behind` characters sent to it are not read yet. */
  received(ws: WebSocket, behind: number, now: number): void {
    const sent = this.#sent.get(ws);
    if (!sent) return;
    const read = sent.total - behind;
    let first = 0;
    while (first < sent.marks.length && (sent.marks[first] as [number, number])[1] <= read) first++;
    if (first > 0) sent.marks = sent.marks.slice(first);
    const oldestUnread = sent.marks[0];
    sent.measured = { lagMs: oldestUnread ? Math.max(0, now - oldestUnread[0]) : 0, at: now };
    this.#reporting.set(ws, now);
    // A report that shows the room less behind counts now; one that shows it more, at the next refresh.
    this.#least.lagMs = Math.min(this.#least.lagMs, sent.measured.lagMs);
  }

  /** Forgets a closed socket. */
  remove(ws: WebSocket): void {
    this.#reporting.delete(ws);
    this.#sent.delete(ws);
  }

  /** The least lag among the sockets that report (0 when none does), at most `REFRESH_MS` old. */
  lagMs(now: number): number {
    if (now - this.#least.at < REFRESH_MS && now >= this.#least.at) return finite(this.#least.lagMs);
    let least = Number.POSITIVE_INFINITY;
    for (const [ws, reportedAt] of this.#reporting) {
      const sent = this.#sent.get(ws);
      if (!sent?.measured || now - reportedAt > this.#forgetAfterMs) {
        this.#reporting.delete(ws);
        continue;
      }
      const oldest = sent.marks[0];
      const overdue = oldest ? now - Math.max(oldest[0], reportedAt) - this.#reportMs : 0;
      least = Math.min(least, Math.max(sent.measured.lagMs, overdue));
    }
    this.#least = { at: now, lagMs: least };
    return finite(least);
  }
}

const finite = (lagMs: number) => (Number.isFinite(lagMs) ? lagMs : 0);
