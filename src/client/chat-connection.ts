import {
  type AckFrame,
  type ChatMessage,
  type ErrorFrame,
  type PresenceFrame,
  parseServerMessage,
  unbatch,
  type WelcomeFrame,
} from "../protocol";

export type ConnectionState = "connecting" | "connected" | "reconnecting" | "offline" | "full";

export type OutboxEntry = {
  id: string;
  text: string;
  ts: number;
  state: "pending" | "sent" | "failed";
  error?: string;
};

export type ChatEvents = {
  state(state: ConnectionState): void;
  welcome(frame: WelcomeFrame): void;
  /** A message from someone else (or from this person on another device), once, in seq order. */
  message(message: ChatMessage): void;
  /** Our own outbox entry changed: added, acked or refused. */
  outbox(entry: OutboxEntry, seq?: number): void;
  presence(frame: PresenceFrame): void;
  typing(name: string): void;
  error(frame: ErrorFrame): void;
};

const BACKOFF_BASE_MS = 500;
const BACKOFF_MAX_MS = 10_000;
const HEARTBEAT_MS = 25_000;
const HEARTBEAT_TIMEOUT_MS = 10_000;
const TYPING_EVERY_MS = 2_000;

/**
 * A room socket that reconnects with backoff and jitter, catches up with
 * `since`, and keeps each sent message in an outbox until its ack arrives,
 * re-sending it with the same id after a reconnect.
 *
 * Not partysocket: the reconnect loop is the small part here. What matters
 * (a new `since` on every attempt, flushing the outbox only after `welcome`,
 * a longer wait for a full room, heartbeats that detect a dead link) would sit
 * on top of it anyway, and this keeps the page free of dependencies.
 */
export class ChatConnection {
  readonly #url: URL;
  readonly #name: string;
  readonly #events: ChatEvents;
  readonly #outbox = new Map<string, OutboxEntry>();
  #socket: WebSocket | null = null;
  #lastSeq = 0;
  #welcomed = false;
  #attempt = 0;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #heartbeatTimer: ReturnType<typeof setInterval> | undefined;
  #pongDeadline: ReturnType<typeof setTimeout> | undefined;
  #lastTypingSent = 0;
  #stopped = false;
  #roomFull = false;

  constructor(base: string, room: string, name: string, events: ChatEvents) {
    const url = new URL(`/api/rooms/${encodeURIComponent(room)}/ws`, base);
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    url.searchParams.set("name", name);
    this.#url = url;
    this.#name = name;
    this.#events = events;
    addEventListener("online", () => this.#retryNow());
    addEventListener("offline", () => this.#socket?.close());
  }

  get lastSeq(): number {
    return this.#lastSeq;
  }

  start(): void {
    this.#stopped = false;
    this.#open();
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#retryTimer);
    this.#socket?.close(1000, "bye");
  }

  /** Queues a message; it is sent now if connected, else when the connection returns. */
  send(text: string): OutboxEntry {
    const entry: OutboxEntry = { id: crypto.randomUUID(), text, ts: Date.now(), state: "pending" };
    this.#outbox.set(entry.id, entry);
    this.#events.outbox(entry);
    this.#transmit(entry);
    // The others stop showing "typing" when the message arrives: typing again is news at once.
    this.#lastTypingSent = 0;
    return entry;
  }

  /** Sends a failed message again, with its original id. */
  retry(id: string): void {
    const entry = this.#outbox.get(id);
    if (entry?.state !== "failed") return;
    entry.state = "pending";
    delete entry.error;
    this.#events.outbox(entry);
    this.#transmit(entry);
  }

  /** Tells the room this person is typing, at most every 2 s. */
  typing(): void {
    const now = Date.now();
    if (now - this.#lastTypingSent < TYPING_EVERY_MS || !this.#isOpen()) return;
    this.#lastTypingSent = now;
    this.#socket?.send(JSON.stringify({ type: "typing" }));
  }

  #isOpen(): boolean {
    return this.#welcomed && this.#socket?.readyState === WebSocket.OPEN;
  }

  #transmit(entry: OutboxEntry): void {
    if (this.#isOpen()) this.#socket?.send(JSON.stringify({ type: "send", id: entry.id, text: entry.text }));
  }

  #open(): void {
    clearTimeout(this.#retryTimer);
    const url = new URL(this.#url);
    if (this.#lastSeq > 0) url.searchParams.set("since", String(this.#lastSeq));
    this.#welcomed = false;
    this.#events.state(this.#attempt === 0 ? "connecting" : "reconnecting");
    const socket = new WebSocket(url);
    this.#socket = socket;
    socket.addEventListener("message", (event) => {
      if (socket === this.#socket) this.#receive(event.data);
    });
    socket.addEventListener("close", () => {
      if (socket === this.#socket) this.#closed();
    });
  }

  #closed(): void {
    this.#socket = null;
    this.#welcomed = false;
    clearInterval(this.#heartbeatTimer);
    clearTimeout(this.#pongDeadline);
    if (this.#stopped) return;
    this.#attempt++;
    const offline = typeof navigator !== "undefined" && navigator.onLine === false;
    this.#events.state(offline ? "offline" : this.#roomFull ? "full" : "reconnecting");
    if (offline) return; // the "online" event brings us back
    // A full room will not have space again at once: wait the longest.
    const ceiling = this.#roomFull
      ? BACKOFF_MAX_MS
      : Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.min(this.#attempt - 1, 10));
    this.#roomFull = false;
    // Full jitter between half and all of the ceiling spreads a room's reconnects.
    const delay = ceiling / 2 + Math.random() * (ceiling / 2);
    this.#retryTimer = setTimeout(() => this.#open(), delay);
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
      this.#pongDeadline = setTimeout(() => this.#socket?.close(4000, "heartbeat timeout"), HEARTBEAT_TIMEOUT_MS);
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
        case "message":
          this.#onMessage(f);
          break;
        case "ack":
          this.#onAck(f);
          break;
        case "presence":
          this.#events.presence(f);
          break;
        case "typing":
          this.#events.typing(f.name);
          break;
        case "error":
          this.#onError(f);
          break;
      }
    }
  }

  #onWelcome(frame: WelcomeFrame): void {
    this.#welcomed = true;
    this.#attempt = 0;
    this.#events.state("connected");
    this.#events.welcome(frame);
    for (const message of frame.history) this.#onMessage(message);
    this.#startHeartbeat();
    // Re-send whatever was not acked; the same id never makes a second message.
    for (const entry of this.#outbox.values()) if (entry.state === "pending") this.#transmit(entry);
  }

  #onMessage(message: ChatMessage): void {
    if (message.seq <= this.#lastSeq) return; // seen already
    this.#lastSeq = message.seq;
    const own = this.#outbox.get(message.id);
    if (own && message.name === this.#name) {
      this.#settle(own, message.seq, message.ts);
      return;
    }
    this.#events.message(message);
  }

  #onAck(frame: AckFrame): void {
    const entry = this.#outbox.get(frame.id);
    if (frame.seq > this.#lastSeq) this.#lastSeq = frame.seq;
    if (entry) this.#settle(entry, frame.seq, frame.ts);
  }

  #settle(entry: OutboxEntry, seq: number, ts: number): void {
    this.#outbox.delete(entry.id);
    entry.state = "sent";
    entry.ts = ts;
    this.#events.outbox(entry, seq);
  }

  #onError(frame: ErrorFrame): void {
    if (frame.code === "room_full") this.#roomFull = true;
    const entry = frame.id === undefined ? undefined : this.#outbox.get(frame.id);
    if (frame.code === "rate_limited") {
      // Not refused, only early: send it again when the room allows (a refused typing notice matters to no one).
      if (entry) setTimeout(() => this.#transmit(entry), frame.retryAfterMs ?? 1000);
      return;
    }
    if (entry) {
      entry.state = "failed";
      entry.error = frame.message;
      this.#events.outbox(entry);
      return;
    }
    this.#events.error(frame);
  }
}
