import {
  type AckFrame,
  type CatchupFrame,
  type ChatMessage,
  CLOSE_CODES,
  type ErrorFrame,
  type PresenceFrame,
  parseServerMessage,
  unbatch,
  type WelcomeFrame,
} from "../protocol";
import { reconnectDelay } from "./backoff";
import type { Outbox, OutboxEntry } from "./outbox";
import { ReceivedReporter } from "./received-reporter";

export type ConnectionState = "connecting" | "catching-up" | "connected" | "reconnecting" | "offline" | "full" | "busy";

export type ChatEvents = {
  state(state: ConnectionState): void;
  welcome(frame: WelcomeFrame, reconnected: boolean): void;
  /** A message from the room (someone else's, or ours from another device), once, in seq order. */
  message(message: ChatMessage, live: boolean): void;
  /** An outbox entry changed; `stored` when the room has it (then it has left the outbox). */
  outbox(entry: OutboxEntry, stored?: { seq: number; ts: number }): void;
  presence(frame: PresenceFrame): void;
  typing(name: string): void;
  /** An error not about one of our messages: said in words on the page. */
  error(frame: ErrorFrame): void;
};

const HEARTBEAT_MS = 25_000;
const HEARTBEAT_TIMEOUT_MS = 10_000;
const TYPING_EVERY_MS = 2_000;
const RATE_LIMITED_WAIT_MS = 1_000;
const NOT_STORED_RETRY_MS = 1_000;
// Refusals that mean "not now": the next attempt waits 5-30 s.
const REFUSALS = new Set(["room_full", "too_many_connections"]);
// Identity and moderation refusals (close 1008): retrying soon would only be refused again.
const IDENTITY_REFUSALS = new Set(["name_taken", "banned", "unauthorized", "forbidden_room", "bad_name"]);

/**
 * A room socket that reconnects with jittered backoff, catches up with `since`
 * (in pages when the room says `more`), and sends the persisted outbox one
 * message at a time, in order.
 *
 * One in flight at a time keeps order under the rate limit: a refused message
 * holds everything behind it until the room allows it, so no later message can
 * be stored before it. Sending is paused until the socket has caught up, so an
 * ack's seq never skips messages not yet received.
 */
export class ChatConnection {
  readonly #url: URL;
  readonly #events: ChatEvents;
  readonly #outbox: Outbox;
  #name: string;
  #socket: WebSocket | null = null;
  #reporter: ReceivedReporter | null = null;
  #lastSeq = 0;
  #welcomed = false;
  #everWelcomed = false;
  #caughtUp = false;
  #catchupId: string | null = null;
  #inFlight: string | null = null;
  #pausedUntil = 0;
  #pauseTimer: ReturnType<typeof setTimeout> | undefined;
  #attempt = 0;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #heartbeatTimer: ReturnType<typeof setInterval> | undefined;
  #pongDeadline: ReturnType<typeof setTimeout> | undefined;
  #lastTypingSent = 0;
  #stopped = false;
  #refusal: string | null = null;

  constructor(base: string, room: string, name: string, outbox: Outbox, events: ChatEvents) {
    const url = new URL(`/api/rooms/${encodeURIComponent(room)}/ws`, base);
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    url.searchParams.set("name", name);
    this.#url = url;
    this.#name = name;
    this.#outbox = outbox;
    this.#events = events;
    addEventListener("online", () => this.#retryNow());
    addEventListener("offline", () => this.#drop(1000, "offline"));
  }

  /** The name the room knows this person by (as the room normalised it). */
  get name(): string {
    return this.#name;
  }

  start(): void {
    this.#stopped = false;
    for (const entry of this.#outbox.entries()) this.#events.outbox(entry);
    this.#open();
  }

  /** Queues a message at the end of the outbox; it goes out when all before it have. */
  send(text: string): OutboxEntry {
    const entry: OutboxEntry = { id: crypto.randomUUID(), text, ts: Date.now(), state: "pending" };
    this.#outbox.add(entry);
    this.#events.outbox(entry);
    // The others stop showing "typing" when the message arrives: typing again is news at once.
    this.#lastTypingSent = 0;
    this.#flush();
    return entry;
  }

  /** Sends a failed message again, with its original id, in its place at the end of the queue. */
  retry(id: string): void {
    const entry = this.#outbox.get(id);
    if (entry?.state !== "failed") return;
    entry.state = "pending";
    delete entry.error;
    delete entry.retryable;
    this.#outbox.update(entry);
    this.#events.outbox(entry);
    this.#flush();
  }

  /** Drops a failed message from the outbox (Edit and Discard). */
  discard(id: string): void {
    if (this.#outbox.get(id)?.state === "failed") this.#outbox.remove(id);
  }

  /** Tells the room this person is typing, at most every 2 s, and never while sending is held back. */
  typing(): void {
    const now = Date.now();
    if (now - this.#lastTypingSent < TYPING_EVERY_MS || !this.#isOpen() || now < this.#pausedUntil) return;
    this.#lastTypingSent = now;
    this.#socket?.send(JSON.stringify({ type: "typing" }));
  }

  #isOpen(): boolean {
    return this.#welcomed && this.#socket?.readyState === WebSocket.OPEN;
  }

  /** Sends the next message if nothing is in flight, the socket is caught up and the room is not holding us back. */
  #flush(): void {
    if (!this.#isOpen() || !this.#caughtUp || this.#inFlight !== null || Date.now() < this.#pausedUntil) return;
    const next = this.#outbox.next();
    if (!next) return;
    this.#inFlight = next.id;
    this.#socket?.send(JSON.stringify({ type: "send", id: next.id, text: next.text }));
  }

  /** Holds the whole outbox (and typing notices) for `ms`, then goes on in order. */
  #pause(ms: number): void {
    this.#pausedUntil = Math.max(this.#pausedUntil, Date.now() + ms);
    clearTimeout(this.#pauseTimer);
    this.#pauseTimer = setTimeout(() => this.#flush(), this.#pausedUntil - Date.now());
  }

  #open(): void {
    clearTimeout(this.#retryTimer);
    const url = new URL(this.#url);
    if (this.#lastSeq > 0) url.searchParams.set("since", String(this.#lastSeq));
    this.#welcomed = false;
    this.#caughtUp = false;
    this.#inFlight = null;
    this.#refusal = null;
    this.#events.state(this.#everWelcomed ? "reconnecting" : "connecting");
    const socket = new WebSocket(url);
    this.#socket = socket;
    // Per socket: a new socket's count starts from 0.
    const reporter = new ReceivedReporter((frame) => {
      if (socket === this.#socket && socket.readyState === WebSocket.OPEN) socket.send(frame);
    });
    this.#reporter?.stop();
    this.#reporter = reporter;
    socket.addEventListener("message", (event) => {
      if (socket !== this.#socket) return;
      if (typeof event.data === "string") reporter.count(event.data);
      this.#receive(event.data);
    });
    socket.addEventListener("close", (event) => {
      reporter.stop();
      if (socket === this.#socket) this.#closed(event.code);
    });
  }

  #closed(code: number): void {
    this.#socket = null;
    this.#welcomed = false;
    this.#inFlight = null;
    // The rate limit is per connection: a new one starts with a full allowance.
    this.#pausedUntil = 0;
    clearTimeout(this.#pauseTimer);
    clearInterval(this.#heartbeatTimer);
    clearTimeout(this.#pongDeadline);
    if (this.#stopped) return;
    this.#attempt++;
    const offline = typeof navigator !== "undefined" && navigator.onLine === false;
    const refusal = this.#refusal;
    const refused =
      (refusal !== null && REFUSALS.has(refusal)) ||
      (code === CLOSE_CODES.policyViolation && refusal !== null && IDENTITY_REFUSALS.has(refusal));
    this.#events.state(
      offline
        ? "offline"
        : refusal === "room_full"
          ? "full"
          : refusal === "too_many_connections"
            ? "busy"
            : "reconnecting",
    );
    if (offline) return; // the "online" event brings us back
    // A drop after being connected (restart, deploy, "too far behind") is attempt 1: 0..1 s.
    this.#retryTimer = setTimeout(() => this.#open(), reconnectDelay(this.#attempt, refused));
  }

  /** Gives up on the socket now: a dead link's closing handshake may never finish. */
  #drop(code: number, reason: string): void {
    const socket = this.#socket;
    if (!socket) return;
    socket.close(code, reason);
    this.#closed(CLOSE_CODES.goingAway);
  }

  #retryNow(): void {
    if (this.#stopped || this.#socket) return;
    this.#open();
  }

  #startHeartbeat(): void {
    clearInterval(this.#heartbeatTimer);
    this.#heartbeatTimer = setInterval(() => {
      if (!this.#isOpen()) return;
      this.#socket?.send("ping");
      // No pong in time: the connection is dead even if the browser has not noticed.
      this.#pongDeadline = setTimeout(() => this.#drop(4000, "heartbeat timeout"), HEARTBEAT_TIMEOUT_MS);
    }, HEARTBEAT_MS);
  }

  #receive(data: unknown): void {
    if (data === "pong") {
      clearTimeout(this.#pongDeadline);
      return;
    }
    if (typeof data !== "string") return;
    const frame = parseServerMessage(data);
    if (!frame) {
      console.warn("parley: ignoring a frame this page does not understand", data.slice(0, 200));
      return;
    }
    for (const f of unbatch(frame)) {
      switch (f.type) {
        case "welcome":
          this.#onWelcome(f);
          break;
        case "catchup":
          this.#onCatchup(f);
          break;
        case "message":
          this.#onMessage(f, true);
          break;
        case "ack":
          this.#onAck(f);
          break;
        case "presence":
          this.#events.presence(f);
          break;
        case "typing":
          // Our own name is us in another tab: never "you are typing".
          if (f.name !== this.#name) this.#events.typing(f.name);
          break;
        case "error":
          this.#onError(f);
          break;
      }
    }
  }

  #onWelcome(frame: WelcomeFrame): void {
    const reconnected = this.#everWelcomed;
    this.#welcomed = true;
    this.#everWelcomed = true;
    this.#attempt = 0;
    this.#name = frame.name || this.#name;
    for (const message of frame.history) this.#onMessage(message, false);
    this.#events.welcome(frame, reconnected);
    this.#startHeartbeat();
    if (frame.more) this.#askForMore();
    else this.#caughtUpNow();
  }

  #askForMore(): void {
    this.#caughtUp = false;
    this.#events.state("catching-up");
    this.#catchupId = crypto.randomUUID();
    this.#socket?.send(JSON.stringify({ type: "catchup", id: this.#catchupId, since: this.#lastSeq }));
  }

  #onCatchup(frame: CatchupFrame): void {
    if (frame.id !== this.#catchupId) return;
    const before = this.#lastSeq;
    for (const message of frame.history) this.#onMessage(message, false);
    // A page that brought nothing new cannot be followed by a useful one: stop asking.
    if (frame.more && this.#lastSeq > before) this.#askForMore();
    else this.#caughtUpNow();
  }

  #caughtUpNow(): void {
    this.#catchupId = null;
    this.#caughtUp = true;
    this.#events.state("connected");
    // Re-send whatever was not acked, oldest first; the same id never makes a second message.
    this.#flush();
  }

  #onMessage(message: ChatMessage, live: boolean): void {
    // Never moves past a gap: only messages received in order count as seen.
    if (message.seq <= this.#lastSeq) return;
    this.#lastSeq = message.seq;
    const own = this.#outbox.get(message.id);
    if (own && message.name === this.#name) {
      // Stored from an earlier socket or another tab: it is ours, now in the room's order.
      this.#settle(own, message.seq, message.ts);
      return;
    }
    this.#events.message(message, live);
  }

  #onAck(frame: AckFrame): void {
    // Live and caught up, everything before this seq has reached this socket; else keep the old mark.
    if (this.#caughtUp && frame.seq === this.#lastSeq + 1) this.#lastSeq = frame.seq;
    const entry = this.#outbox.get(frame.id);
    if (frame.id === this.#inFlight) this.#inFlight = null;
    if (entry) this.#settle(entry, frame.seq, frame.ts);
    this.#flush();
  }

  #settle(entry: OutboxEntry, seq: number, ts: number): void {
    this.#outbox.remove(entry.id);
    this.#events.outbox(entry, { seq, ts });
  }

  #onError(frame: ErrorFrame): void {
    const entry = frame.id === undefined ? undefined : this.#outbox.get(frame.id);
    if (frame.id !== undefined && frame.id === this.#inFlight) this.#inFlight = null;
    if (frame.code === "rate_limited") {
      // Not refused, only early: the whole outbox waits, then goes on from the same message.
      this.#pause(frame.retryAfterMs ?? RATE_LIMITED_WAIT_MS);
      return;
    }
    if (entry && frame.code === "not_stored" && !entry.autoRetried) {
      // The room could not store it this time: one quiet retry, still first in line.
      entry.autoRetried = true;
      this.#pause(NOT_STORED_RETRY_MS);
      return;
    }
    if (entry) {
      entry.state = "failed";
      entry.error = frame.message;
      if (frame.code === "not_stored") entry.retryable = true;
      this.#outbox.update(entry);
      this.#events.outbox(entry);
      // A failed message waits for the person; the rest go on.
      this.#flush();
      return;
    }
    if (frame.id === undefined) this.#refusal = frame.code;
    this.#events.error(frame);
  }
}
