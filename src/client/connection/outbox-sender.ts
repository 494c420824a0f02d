import type { ChatMessage, ClientMessage, ErrorFrame } from "../../shared";
import type { ChatEvents } from "./events";
import type { Change, Outbox, OutboxEntry } from "./outbox";

const RATE_LIMITED_WAIT_MS = 1_000;
const NOT_STORED_RETRY_MS = 1_000;

/**
 * Sends the persisted outbox one entry at a time, in the order written:
 * messages, and the edits, deletions and moderation this person asked for.
 * At most one entry is in flight: a refused entry holds everything behind it
 * until the room allows it, so no later one can be stored before it. An entry
 * leaves the outbox only when the room has stored it (its ack, or the message
 * itself from another socket) or refused it for good.
 */
export class OutboxSender {
  readonly #outbox: Outbox;
  readonly #events: Pick<ChatEvents, "outbox" | "changed" | "error">;
  readonly #send: (frame: ClientMessage) => void;
  /** Open and caught up: an ack's seq never skips events not yet received. */
  readonly #ready: () => boolean;
  /** A pause is over: whatever else waited for it (an `older` request) goes too. */
  readonly #resumed: () => void;
  #inFlight: string | null = null;
  #pausedUntil = 0;
  #pauseTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    outbox: Outbox,
    events: Pick<ChatEvents, "outbox" | "changed" | "error">,
    send: (frame: ClientMessage) => void,
    ready: () => boolean,
    resumed: () => void,
  ) {
    this.#outbox = outbox;
    this.#events = events;
    this.#send = send;
    this.#ready = ready;
    this.#resumed = resumed;
  }

  /** Shows what a reload left unsent. */
  showUnsent(): void {
    for (const entry of this.#outbox.entries()) if (!entry.change) this.#events.outbox(entry);
  }

  /** Queues a message at the end of the outbox; it goes out when all before it have. */
  send(text: string, replyTo?: number): OutboxEntry {
    const entry: OutboxEntry = { id: crypto.randomUUID(), text, ts: Date.now(), state: "pending" };
    if (replyTo !== undefined) entry.replyTo = replyTo;
    this.#outbox.add(entry);
    this.#events.outbox(entry);
    this.flush();
    return entry;
  }

  change(change: Change): void {
    const text = change.type === "edit" ? change.text : "";
    this.#outbox.add({ id: crypto.randomUUID(), text, ts: Date.now(), state: "pending", change });
    this.flush();
  }

  pendingChangeOf(target: number): Change | undefined {
    for (const entry of this.#outbox.entries()) {
      if (entry.change && "target" in entry.change && entry.change.target === target) return entry.change;
    }
    return undefined;
  }

  retry(id: string): void {
    const entry = this.#outbox.get(id);
    if (entry?.state !== "failed") return;
    entry.state = "pending";
    delete entry.error;
    delete entry.retryable;
    this.#outbox.update(entry);
    this.#events.outbox(entry);
    this.flush();
  }

  discard(id: string): void {
    if (this.#outbox.get(id)?.state === "failed") this.#outbox.remove(id);
  }

  /** Whether the room is holding this socket back (rate limited). */
  paused(now = Date.now()): boolean {
    return now < this.#pausedUntil;
  }

  /** Holds the whole outbox (and typing notices) for `ms`, then goes on in order. */
  pause(ms: number): void {
    this.#pausedUntil = Math.max(this.#pausedUntil, Date.now() + ms);
    clearTimeout(this.#pauseTimer);
    this.#pauseTimer = setTimeout(() => {
      this.flush();
      this.#resumed();
    }, this.#pausedUntil - Date.now());
  }

  /** A socket opens or closes: whatever was in flight is sent again on the next one. */
  newSocket(closed: boolean): void {
    this.#inFlight = null;
    if (!closed) return;
    // The rate limit is per connection: a new one starts with a full allowance.
    this.#pausedUntil = 0;
    clearTimeout(this.#pauseTimer);
  }

  /** Sends the next entry if nothing is in flight, the socket is ready and the room is not holding us back. */
  flush(): void {
    if (!this.#ready() || this.#inFlight !== null || this.paused()) return;
    const next = this.#outbox.next();
    if (!next) return;
    this.#inFlight = next.id;
    const { id, text, change, replyTo } = next;
    const message: ClientMessage = { type: "send", id, text, ...(replyTo === undefined ? {} : { replyTo }) };
    this.#send(change ? ({ ...change, id } satisfies ClientMessage) : message);
  }

  ack(id: string, seq: number, ts: number): void {
    const entry = this.#outbox.get(id);
    if (id === this.#inFlight) this.#inFlight = null;
    if (entry) this.#settle(entry, seq, ts);
    this.flush();
  }

  /** A message of ours the room stored from an earlier socket or another tab; false if it is not ours. */
  storedElsewhere(message: ChatMessage, myName: string | null): boolean {
    const own = this.#outbox.get(message.id);
    if (!own || own.change || message.name !== myName) return false;
    this.#settle(own, message.seq, message.ts);
    return true;
  }

  /** An error about an entry, or a rate limit; false when it is about nothing here. */
  refused(frame: ErrorFrame): boolean {
    const entry = frame.id === undefined ? undefined : this.#outbox.get(frame.id);
    if (frame.id !== undefined && frame.id === this.#inFlight) this.#inFlight = null;
    if (frame.code === "rate_limited" || frame.code === "slow_mode") {
      // Not refused, only early: the whole outbox waits, then goes on from the same entry.
      this.pause(frame.retryAfterMs ?? RATE_LIMITED_WAIT_MS);
      // Slow mode is the room's rule: the person is told why their message waits.
      if (frame.code === "slow_mode") this.#events.error(frame);
      return true;
    }
    if (!entry) return false;
    if (frame.code === "not_stored" && !entry.autoRetried) {
      // The room could not store it this time: one quiet retry, still first in line.
      entry.autoRetried = true;
      this.pause(NOT_STORED_RETRY_MS);
      return true;
    }
    if (entry.change) {
      // A change the room refused (not yours, gone): said once, never retried.
      this.#outbox.remove(entry.id);
      this.#events.changed({ ...entry, change: entry.change }, { error: frame });
    } else {
      entry.state = "failed";
      entry.error = frame.message;
      if (frame.code === "not_stored") entry.retryable = true;
      this.#outbox.update(entry);
      this.#events.outbox(entry);
    }
    // A failed message waits for the person; the rest go on.
    this.flush();
    return true;
  }

  #settle(entry: OutboxEntry, seq: number, ts: number): void {
    this.#outbox.remove(entry.id);
    if (entry.change) this.#events.changed({ ...entry, change: entry.change }, { seq, ts });
    else this.#events.outbox(entry, { seq, ts });
  }
}
