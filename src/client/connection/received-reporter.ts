import { type ClientMessage, LIMITS } from "../../shared";

/**
 * Tells the room how much of what it sent this socket has arrived
 * (`{"type":"received","chars":N}`), so it can tell a slow reader from a
 * dead one. N counts UTF-16 units of every text frame but `pong`, per socket.
 * Reported every 5 s (`LIMITS.receivedReportMs`) while something new arrived, and at once after 64K more.
 */
export class ReceivedReporter {
  readonly #send: (frame: string) => void;
  readonly #timer: ReturnType<typeof setInterval>;
  #chars = 0;
  #reported = 0;

  constructor(send: (frame: string) => void) {
    this.#send = send;
    this.#timer = setInterval(() => this.#report(), LIMITS.receivedReportMs);
  }

  /** Counts one incoming text frame. */
  count(data: string): void {
    if (data === "pong") return;
    this.#chars += data.length;
    if (this.#chars - this.#reported >= LIMITS.receivedReportChars) this.#report();
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  #report(): void {
    if (this.#chars === this.#reported) return;
    this.#reported = this.#chars;
    this.#send(JSON.stringify({ type: "received", chars: this.#chars } satisfies ClientMessage));
  }
}
