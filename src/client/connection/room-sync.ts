import {
  type CatchupFrame,
  type ClientMessage,
  type ErrorFrame,
  LIMITS,
  type LogEvent,
  parseServerMessage,
  unbatch,
  type WelcomeFrame,
} from "../../shared";
import type { ChatEvents, ConnectionOptions } from "./events";
import type { Change, Outbox, OutboxEntry } from "./outbox";
import { OutboxSender } from "./outbox-sender";
import { refusalKind } from "./refusal";
import { RoomSocket } from "./room-socket";
import type { Runtime } from "./runtime";

const TYPING_EVERY_MS = 2_000;
const RATE_LIMITED_WAIT_MS = 1_000;

/**
 * The page's connection to a room: keeps its copy of the room's log in sync
 * over a `RoomSocket`. Each seq is passed on once and in order (`lastSeq` only
 * grows, unless the room was emptied), catching up with `since` and then
 * `catchup` pages while the room says `more`. The outbox (`OutboxSender`)
 * goes out only once caught up, so an ack's seq never skips events not yet
 * received.
 */
export class RoomSync {
  readonly #socket: RoomSocket;
  readonly #events: ChatEvents;
  readonly #sender: OutboxSender;
  #lastSeq = 0;
  #caughtUp = false;
  #catchupId: string | null = null;
  #older: { id: string; before: number } | null = null;
  #lastTypingSent = 0;
  /** Counts sockets opened and closed, so a timer set for one socket knows it is gone. */
  #socketTurn = 0;

  constructor(
    base: string,
    room: string,
    options: ConnectionOptions,
    outbox: Outbox,
    events: ChatEvents,
    runtime: Runtime,
  ) {
    this.#events = events;
    const hooks = {
      opening: () => {
        this.#socketTurn++;
        this.#caughtUp = false;
        this.#older = null;
        this.#sender.newSocket(false);
      },
      closed: () => {
        this.#socketTurn++;
        this.#older = null;
        this.#sender.newSocket(true);
      },
      receive: (data: string) => this.#receive(data),
      since: () => this.#lastSeq,
    };
    this.#socket = new RoomSocket(base, room, options, events, hooks, runtime);
    this.#sender = new OutboxSender(
      outbox,
      events,
      (frame) => this.#socket.send(frame),
      () => this.#socket.isOpen() && this.#caughtUp,
      () => this.#sendOlder(),
    );
  }

  /** The name the room knows this person by (as the room normalised it, or as the sign-in gives it). */
  get name(): string {
    return this.#socket.name ?? "";
  }

  start(): void {
    this.#sender.showUnsent();
    this.#socket.start();
  }

  /** Goes on after a refusal that stopped it (Rejoin after a kick, a new name), or at once if waiting. */
  resume(): void {
    this.#socket.resume();
  }

  /** Uses another name from the next socket on; reconnects now if connected. */
  useName(name: string): void {
    this.#socket.useName(name);
  }

  /** Queues a message at the end of the outbox; it goes out when all before it have. */
  send(text: string, replyTo?: number): OutboxEntry {
    // The others stop showing "typing" when the message arrives: typing again is news at once.
    this.#lastTypingSent = 0;
    return this.#sender.send(text, replyTo);
  }

  /** Asks for messages matching `q`, newest first; the answer comes to `events.search`. */
  search(q: string, before?: number): void {
    if (!this.#socket.isOpen()) return;
    const frame = { type: "search", id: crypto.randomUUID(), q, limit: LIMITS.searchMax } as const;
    this.#socket.send((before === undefined ? frame : { ...frame, before }) satisfies ClientMessage);
  }

  /** Queues an edit, deletion or moderation; it goes out in its turn, and survives reconnects and reloads. */
  change(change: Change): void {
    this.#sender.change(change);
  }

  /** Whether a change to this seq is waiting to be sent or acknowledged. */
  pendingChangeOf(target: number): Change | undefined {
    return this.#sender.pendingChangeOf(target);
  }

  /** Sends a failed message again, with its original id, in its place at the end of the queue. */
  retry(id: string): void {
    this.#sender.retry(id);
  }

  /** Drops a failed message from the outbox (Edit and Discard). */
  discard(id: string): void {
    this.#sender.discard(id);
  }

  /** Asks for the messages before `before` (at most one request at a time); false if it cannot now. */
  older(before: number): boolean {
    if (this.#older !== null || !this.#socket.isOpen()) return false;
    this.#older = { id: crypto.randomUUID(), before };
    this.#sendOlder();
    return true;
  }

  /** Tells the room this person is typing, at most every 2 s, and never while sending is held back. */
  /** Asks for the bans in force (moderators); the answer comes to `bans`. */
  bans(): void {
    if (this.#socket.isOpen()) this.#socket.send({ type: "bans", id: crypto.randomUUID() } satisfies ClientMessage);
  }

  typing(): void {
    const now = Date.now();
    if (now - this.#lastTypingSent < TYPING_EVERY_MS || !this.#socket.isOpen() || this.#sender.paused(now)) return;
    this.#lastTypingSent = now;
    this.#socket.send({ type: "typing" } satisfies ClientMessage);
  }

  #sendOlder(): void {
    const older = this.#older;
    if (older === null || !this.#socket.isOpen()) return;
    const { id, before } = older;
    this.#socket.send({ type: "older", id, before, limit: LIMITS.olderMax } satisfies ClientMessage);
  }

  #receive(data: string): void {
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
        case "reacted":
          this.#onEvent(f, true);
          break;
        case "search":
          this.#events.search(f);
          break;
        case "older":
          if (f.id !== this.#older?.id) break;
          this.#older = null;
          this.#events.older(f);
          break;
        case "ack":
          // Live and caught up, everything before this seq has reached this socket; else keep the old mark.
          if (this.#caughtUp && f.seq === this.#lastSeq + 1) this.#lastSeq = f.seq;
          this.#sender.ack(f.id, f.seq, f.ts);
          break;
        case "presence":
          this.#events.presence(f);
          break;
        case "bans":
          this.#events.bans(f);
          break;
        case "typing":
          // Our own name is us in another tab: never "you are typing".
          if (f.name !== this.#socket.name) this.#events.typing(f.name);
          break;
        case "error":
          this.#onError(f);
          break;
      }
    }
  }

  #onWelcome(frame: WelcomeFrame): void {
    const reconnected = this.#socket.welcomed(frame.name);
    const wiped = frame.lastSeq < this.#lastSeq;
    if (wiped) {
      // The room was emptied and its seqs started again: what this page knows is gone.
      this.#lastSeq = 0;
      this.#events.reset();
    }
    for (const event of frame.history) this.#onEvent(event, false);
    if (!frame.more) this.#lastSeq = Math.max(this.#lastSeq, frame.lastSeq);
    this.#events.welcome(frame, reconnected);
    if (frame.more) this.#askForMore();
    else this.#caughtUpNow();
  }

  #askForMore(): void {
    this.#caughtUp = false;
    this.#events.state("catching-up");
    this.#catchupId = crypto.randomUUID();
    this.#socket.send({ type: "catchup", id: this.#catchupId, since: this.#lastSeq } satisfies ClientMessage);
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
    this.#sender.flush();
  }

  #onEvent(event: LogEvent, live: boolean): void {
    // Each seq once, in order: history, catch-up pages and live events overlap at their edges.
    if (event.seq <= this.#lastSeq) return;
    this.#lastSeq = event.seq;
    if (event.type !== "message") {
      this.#events.change(event, live);
      return;
    }
    // Stored from an earlier socket or another tab, it is ours, now in the room's order.
    if (this.#sender.storedElsewhere(event, this.#socket.name)) return;
    this.#events.message(event, live);
  }

  #onError(frame: ErrorFrame): void {
    if (frame.id !== undefined && frame.id === this.#catchupId) {
      // Catching up is never given up: ask for the same page again once the room allows.
      const turn = this.#socketTurn;
      setTimeout(() => {
        if (turn === this.#socketTurn && !this.#caughtUp) this.#askForMore();
      }, frame.retryAfterMs ?? RATE_LIMITED_WAIT_MS);
      return;
    }
    if (frame.id !== undefined && frame.id === this.#older?.id) {
      if (frame.code === "rate_limited") this.#sender.pause(frame.retryAfterMs ?? RATE_LIMITED_WAIT_MS);
      else this.#older = null;
      return;
    }
    if (this.#sender.refused(frame)) return;
    if (frame.id === undefined && refusalKind(frame.code) !== null) {
      // Said just before the room closes this socket: the close acts on it.
      const { code, message, retryAfterMs } = frame;
      this.#socket.refusedBeforeClose(retryAfterMs === undefined ? { code, message } : { code, message, retryAfterMs });
      return;
    }
    this.#events.error(frame);
  }
}
