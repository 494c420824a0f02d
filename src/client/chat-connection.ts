import {
  type AckFrame,
  type CatchupFrame,
  type ChatMessage,
  CLOSE_CODES,
  type ErrorFrame,
  LIMITS,
  type LogEvent,
  type OlderFrame,
  type PresenceFrame,
  parseServerMessage,
  unbatch,
  type WelcomeFrame,
} from "../protocol";
import { reconnectDelay } from "./backoff";
import type { Change, Outbox, OutboxEntry } from "./outbox";
import { ReceivedReporter } from "./received-reporter";
import { askWhy, type Refusal, refusalKind } from "./refusal";

export type ConnectionState =
  | "connecting"
  | "catching-up"
  | "connected"
  | "reconnecting"
  | "offline"
  | "full"
  | "busy"
  | "limited"
  | "stopped";

/** A change to the log: someone's edit, deletion or moderation. */
export type LogChange = Exclude<LogEvent, ChatMessage>;

export type ChatEvents = {
  state(state: ConnectionState): void;
  welcome(frame: WelcomeFrame, reconnected: boolean): void;
  /** The room was emptied since this page last saw it (its seqs start again): the log starts afresh. */
  reset(): void;
  /** A message from the room (someone else's, or ours from another device), once, in seq order. */
  message(message: ChatMessage, live: boolean): void;
  /** An edit, deletion or moderation, once, in seq order (ours from another socket or tab too). */
  change(event: LogChange, live: boolean): void;
  /** An outbox message changed; `stored` when the room has it (then it has left the outbox). */
  outbox(entry: OutboxEntry, stored?: { seq: number; ts: number }): void;
  /** Our own change, as the room stored it (`stored`), or refused it (`error`). */
  changed(entry: OutboxEntry & { change: Change }, result: { seq: number; ts: number } | { error: ErrorFrame }): void;
  /** Earlier messages, as asked with `older()`. */
  older(frame: OlderFrame): void;
  presence(frame: PresenceFrame): void;
  typing(name: string): void;
  /** Why this page is not in the room: it waits and tries again ("later"), or stops until told otherwise. */
  refused(refusal: Refusal): void;
  /** An error not about one of our messages: said in words on the page. */
  error(frame: ErrorFrame): void;
};

const HEARTBEAT_MS = 25_000;
const HEARTBEAT_TIMEOUT_MS = 10_000;
const TYPING_EVERY_MS = 2_000;
const RATE_LIMITED_WAIT_MS = 1_000;
const NOT_STORED_RETRY_MS = 1_000;
// A network that made too many attempts is told to wait a minute.
const TOO_MANY_REQUESTS_WAIT_MS = 60_000;
const STATE_OF_REFUSAL: Record<string, ConnectionState> = {
  room_full: "full",
  too_many_connections: "busy",
  too_many_requests: "limited",
};

export type ConnectionOptions = {
  /** The display name asked for; null when the sign-in gives it (the room ignores it then). */
  name: string | null;
  /** A sign-in token, passed on every upgrade. */
  token: string | null;
};

/**
 * A room socket that reconnects with jittered backoff, catches up with `since`
 * (in pages when the room says `more`), and sends the persisted outbox one
 * entry at a time, in order: messages, and the edits, deletions and
 * moderation this person asked for.
 *
 * One in flight at a time keeps order under the rate limit: a refused entry
 * holds everything behind it until the room allows it, so no later one can
 * be stored before it. Sending is paused until the socket has caught up, so an
 * ack's seq never skips events not yet received.
 *
 * A socket refused before its `welcome` is asked why (`askWhy`); refusals that
 * will not pass by themselves (a taken name, a ban, a missing sign-in) stop
 * the reconnecting until the page says to go on.
 */
export class ChatConnection {
  readonly #base: URL;
  readonly #events: ChatEvents;
  readonly #outbox: Outbox;
  #name: string | null;
  #token: string | null;
  #socket: WebSocket | null = null;
  #reporter: ReceivedReporter | null = null;
  #lastSeq = 0;
  #welcomed = false;
  #everWelcomed = false;
  #caughtUp = false;
  #catchupId: string | null = null;
  #inFlight: string | null = null;
  #older: { id: string; before: number } | null = null;
  #pausedUntil = 0;
  #pauseTimer: ReturnType<typeof setTimeout> | undefined;
  #attempt = 0;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #heartbeatTimer: ReturnType<typeof setInterval> | undefined;
  #pongDeadline: ReturnType<typeof setTimeout> | undefined;
  #lastTypingSent = 0;
  #stopped = false;
  #refusal: Refusal | null = null;
  /** The last question of why went unanswered (the server is down): not asked again until a welcome. */
  #unreachable = false;

  constructor(base: string, room: string, options: ConnectionOptions, outbox: Outbox, events: ChatEvents) {
    const url = new URL(`/api/rooms/${encodeURIComponent(room)}/ws`, base);
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    this.#base = url;
    this.#name = options.name;
    this.#token = options.token;
    this.#outbox = outbox;
    this.#events = events;
    addEventListener("online", () => this.#retryNow());
    addEventListener("offline", () => this.#drop(1000, "offline"));
  }

  /** The name the room knows this person by (as the room normalised it, or as the sign-in gives it). */
  get name(): string {
    return this.#name ?? "";
  }

  /** The socket URL for this person now: name, token and `since`. */
  socketUrl(name = this.#name): URL {
    const url = new URL(this.#base);
    if (name !== null) url.searchParams.set("name", name);
    if (this.#token !== null) url.searchParams.set("token", this.#token);
    if (this.#lastSeq > 0) url.searchParams.set("since", String(this.#lastSeq));
    return url;
  }

  start(): void {
    this.#stopped = false;
    for (const entry of this.#outbox.entries()) if (!entry.change) this.#events.outbox(entry);
    this.#open();
  }

  /** Goes on after a refusal that stopped it (Rejoin after a kick, a new name), or at once if waiting. */
  resume(): void {
    this.#stopped = false;
    this.#attempt = 0;
    if (this.#socket) return;
    this.#open();
  }

  /** Uses another name from the next socket on; reconnects now if connected. */
  useName(name: string): void {
    this.#name = name;
    if (this.#socket) this.#drop(CLOSE_CODES.normal, "new name");
    this.resume();
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

  /** Queues an edit, deletion or moderation; it goes out in its turn, and survives reconnects and reloads. */
  change(change: Change): void {
    const text = change.type === "edit" ? change.text : "";
    this.#outbox.add({ id: crypto.randomUUID(), text, ts: Date.now(), state: "pending", change });
    this.#flush();
  }

  /** Whether a change to this seq is waiting to be sent or acknowledged. */
  pendingChangeOf(target: number): Change | undefined {
    for (const entry of this.#outbox.entries()) {
      if (entry.change && "target" in entry.change && entry.change.target === target) return entry.change;
    }
    return undefined;
  }

  /** Asks for the messages before `before` (at most one request at a time); false if it cannot now. */
  older(before: number): boolean {
    if (this.#older !== null || !this.#isOpen()) return false;
    this.#older = { id: crypto.randomUUID(), before };
    this.#sendOlder();
    return true;
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

  /** Sends the next entry if nothing is in flight, the socket is caught up and the room is not holding us back. */
  #flush(): void {
    if (!this.#isOpen() || !this.#caughtUp || this.#inFlight !== null || Date.now() < this.#pausedUntil) return;
    const next = this.#outbox.next();
    if (!next) return;
    this.#inFlight = next.id;
    const frame = next.change ? { ...next.change, id: next.id } : { type: "send", id: next.id, text: next.text };
    this.#socket?.send(JSON.stringify(frame));
  }

  #sendOlder(): void {
    const older = this.#older;
    if (older === null || !this.#isOpen()) return;
    this.#socket?.send(JSON.stringify({ type: "older", id: older.id, before: older.before, limit: LIMITS.olderMax }));
  }

  /** Holds the whole outbox (and typing notices) for `ms`, then goes on in order. */
  #pause(ms: number): void {
    this.#pausedUntil = Math.max(this.#pausedUntil, Date.now() + ms);
    clearTimeout(this.#pauseTimer);
    this.#pauseTimer = setTimeout(() => {
      this.#flush();
      this.#sendOlder();
    }, this.#pausedUntil - Date.now());
  }

  #open(): void {
    clearTimeout(this.#retryTimer);
    const url = this.socketUrl();
    this.#welcomed = false;
    this.#caughtUp = false;
    this.#inFlight = null;
    this.#older = null;
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
      if (socket === this.#socket) this.#closed(event.code, url);
    });
  }

  #closed(code: number, url?: URL): void {
    const welcomed = this.#welcomed;
    this.#socket = null;
    this.#welcomed = false;
    this.#inFlight = null;
    this.#older = null;
    // The rate limit is per connection: a new one starts with a full allowance.
    this.#pausedUntil = 0;
    clearTimeout(this.#pauseTimer);
    clearInterval(this.#heartbeatTimer);
    clearTimeout(this.#pongDeadline);
    if (this.#stopped) return;
    this.#attempt++;
    const offline = typeof navigator !== "undefined" && navigator.onLine === false;
    if (offline) {
      this.#events.state("offline");
      return; // the "online" event brings us back
    }
    if (this.#refusal !== null) {
      this.#refused(this.#refusal);
      return;
    }
    this.#events.state("reconnecting");
    if (!welcomed && url && code !== CLOSE_CODES.normal && !this.#unreachable) {
      // Closed before the welcome and without a word: ask why, then decide.
      void askWhy(url).then((answer) => {
        if (this.#stopped || this.#socket) return;
        // A server that is down answers nothing: no use asking again until it is back.
        if (answer === "unreachable") this.#unreachable = true;
        if (typeof answer === "object") this.#refused(answer);
        else this.#retryLater(false);
      });
      return;
    }
    this.#retryLater(false);
  }

  #refused(refusal: Refusal): void {
    const kind = refusalKind(refusal.code);
    if (kind === "name" || kind === "stop") {
      // Stopped first: the page may go on at once (another name, Rejoin).
      this.#stopped = true;
      this.#events.state("stopped");
      this.#events.refused(refusal);
      return;
    }
    this.#events.state(STATE_OF_REFUSAL[refusal.code] ?? "reconnecting");
    this.#events.refused(refusal);
    if (refusal.code === "too_many_requests") {
      this.#retryTimer = setTimeout(() => this.#open(), refusal.retryAfterMs ?? TOO_MANY_REQUESTS_WAIT_MS);
    } else {
      this.#retryLater(kind === "later");
    }
  }

  #retryLater(refused: boolean): void {
    clearTimeout(this.#retryTimer);
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
        case "edited":
        case "deleted":
        case "moderation":
          this.#onEvent(f, true);
          break;
        case "older":
          if (f.id !== this.#older?.id) break;
          this.#older = null;
          this.#events.older(f);
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
    this.#unreachable = false;
    this.#attempt = 0;
    // The room's spelling (NFKC), or the sign-in's name: always the room's word.
    this.#name = frame.name || this.#name;
    const wiped = frame.lastSeq < this.#lastSeq;
    if (wiped) {
      // The room was emptied and its seqs started again: what this page knows is gone.
      this.#lastSeq = 0;
      this.#events.reset();
    }
    for (const event of frame.history) this.#onEvent(event, false);
    if (!frame.more) this.#lastSeq = Math.max(this.#lastSeq, frame.lastSeq);
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
    for (const event of frame.history) this.#onEvent(event, false);
    // A page that brought nothing new cannot be followed by a useful one: stop asking.
    if (frame.more && this.#lastSeq > before) this.#askForMore();
    else {
      if (!frame.more) this.#lastSeq = Math.max(this.#lastSeq, frame.lastSeq);
      this.#caughtUpNow();
    }
  }

  #caughtUpNow(): void {
    this.#catchupId = null;
    this.#caughtUp = true;
    this.#events.state("connected");
    // Re-send whatever was not acked, oldest first; the same id never makes a second entry.
    this.#flush();
  }

  #onEvent(event: LogEvent, live: boolean): void {
    // Each seq once, in order: history, catch-up pages and live events overlap at their edges.
    if (event.seq <= this.#lastSeq) return;
    this.#lastSeq = event.seq;
    if (event.type !== "message") {
      this.#events.change(event, live);
      return;
    }
    const own = this.#outbox.get(event.id);
    if (own && !own.change && event.name === this.#name) {
      // Stored from an earlier socket or another tab: it is ours, now in the room's order.
      this.#settle(own, event.seq, event.ts);
      return;
    }
    this.#events.message(event, live);
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
    if (entry.change) this.#events.changed({ ...entry, change: entry.change }, { seq, ts });
    else this.#events.outbox(entry, { seq, ts });
  }

  #onError(frame: ErrorFrame): void {
    if (frame.id !== undefined && frame.id === this.#catchupId) {
      // Catching up is never given up: ask for the same page again once the room allows.
      const socket = this.#socket;
      setTimeout(() => {
        if (socket === this.#socket && !this.#caughtUp) this.#askForMore();
      }, frame.retryAfterMs ?? RATE_LIMITED_WAIT_MS);
      return;
    }
    if (frame.id !== undefined && frame.id === this.#older?.id) {
      if (frame.code === "rate_limited") this.#pause(frame.retryAfterMs ?? RATE_LIMITED_WAIT_MS);
      else this.#older = null;
      return;
    }
    const entry = frame.id === undefined ? undefined : this.#outbox.get(frame.id);
    if (frame.id !== undefined && frame.id === this.#inFlight) this.#inFlight = null;
    if (frame.code === "rate_limited") {
      // Not refused, only early: the whole outbox waits, then goes on from the same entry.
      this.#pause(frame.retryAfterMs ?? RATE_LIMITED_WAIT_MS);
      return;
    }
    if (entry && frame.code === "not_stored" && !entry.autoRetried) {
      // The room could not store it this time: one quiet retry, still first in line.
      entry.autoRetried = true;
      this.#pause(NOT_STORED_RETRY_MS);
      return;
    }
    if (entry?.change) {
      // A change the room refused (not yours, gone): said once, never retried.
      this.#outbox.remove(entry.id);
      this.#events.changed({ ...entry, change: entry.change }, { error: frame });
      this.#flush();
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
    if (frame.id === undefined && refusalKind(frame.code) !== null) {
      // Said just before the room closes this socket: the close acts on it.
      this.#refusal = { code: frame.code, message: frame.message };
      return;
    }
    this.#events.error(frame);
  }
}
