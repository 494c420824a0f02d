import type { BatchableFrame } from "../shared";
import { framesOf, type Outgoing, sendFlush, wrap } from "./flush-payloads";

export type FanoutTarget = {
  /** The sockets a broadcast reaches. */
  sockets(): Iterable<WebSocket>;
  /** How many they are. */
  socketCount(): number;
  /** Runs before each flush sends anything. */
  beforeFlush(): void;
  /** Sends one payload; false when the socket failed. */
  send(ws: WebSocket, payload: string): boolean;
  /** Called once per flush with the sockets whose send failed. */
  failed(sockets: WebSocket[]): void;
  /**
   * Called after each flush: how many events with a seq it sent out, to how many sockets, how long its oldest had
   * waited, and how long the room's timer tick had been held back by then (0 when it was not).
   */
  flushed?(events: number, sockets: number, lagMs: number, heldMs: number): void;
};

export type FanoutOptions = {
  /** Most characters of frames one flush takes from the queue (at least one frame); the rest waits, in order... */
  flushCharsMax: number;
  /** ...and fewer in a big room: at most about this many characters sent in one flush to all sockets together... */
  flushSendCharsMax: number;
  /** ...but never fewer than this many a socket, so a big room still gets big frames. */
  flushCharsMin: number;
  /** How a flush is run soon: by microtask (after an idle spell) or by timer (under load). Tests fake these. */
  microtask?: (run: () => void) => void;
  timer?: (run: () => void) => void;
  now?: () => number;
};

/**
 * Queues a room's outgoing frames and sends them in flushes. When several
 * frames are queued, each socket gets them in one `batch` frame; each frame is
 * serialised once, the frames every socket gets are joined once, and a socket
 * that gets other frames (its own acks, not its own messages) gets that body
 * cut around them. A held socket (catching up on history in pages) gets no
 * events with a seq until it is released.
 *
 * The flush rule is group commit: after an idle spell a frame goes out at once
 * (by microtask); after any flush the room waits for a timer tick, and what
 * arrived meanwhile goes out together on it; only a tick that finds nothing
 * queued makes the room idle again. So the busier the room, the bigger each
 * flush, with no clock constant deciding. A flush takes at most
 * `flushCharsMax` characters of frames (fewer in a big room, so that what
 * one flush sends to all sockets stays near `flushSendCharsMax`); the rest
 * stays queued in order for the next tick. The runtime holds timer ticks
 * back while incoming frames wait (measured under wrangler dev at 400 and 800
 * sockets: ticks 0.2 s to over 30 s late, for as long as frames kept coming),
 * so the room also flushes
 * without the tick once it has handled, since the last flush, as many incoming
 * frames as that flush reached sockets (at least 16): a rule of the load, not
 * of a clock. Every socket gets its frames in queue order, each once.
 */
// Incoming frames handled since the last flush, as a share of the sockets it reached, after which a flush goes
// without its tick: as much receiving as sending. Measured here (docs/benchmarks.md): a quarter made flushes too
// small at 400 sockets (about 55 messages a frame against 110-155 with this).
const EARLY_FLUSH_SHARE = 1;
// ...and at least this many, so a small room's burst still waits for its tick and goes out in one frame.
const EARLY_FLUSH_MIN = 16;

export class Fanout {
  readonly #target: FanoutTarget;
  readonly #flushCharsMax: number;
  readonly #flushSendCharsMax: number;
  readonly #flushCharsMin: number;
  readonly #microtask: (run: () => void) => void;
  readonly #timer: (run: () => void) => void;
  readonly #now: () => number;
  #queue: Outgoing[] = [];
  #scheduled = false;
  // Set by a flush, cleared by a tick that finds the queue empty.
  #busy = false;
  // Which scheduled run is current: a flush makes earlier ones stale.
  #round = 0;
  // Incoming frames handled since the last flush, and how many sockets that flush reached.
  #received = 0;
  #reached = 0;
  #early = false;
  // When the oldest timer tick still pending was asked for (NaN when none is): the runtime runs a tick only once
  // no incoming frame waits, so one held back this long is how long the room has had input waiting.
  #tickSince = Number.NaN;
  // Sockets that joined while frames were queued: the frames before this index are not theirs.
  #joinedAt = new Map<WebSocket, number>();
  readonly #held = new Set<WebSocket>();

  constructor(target: FanoutTarget, options: FanoutOptions) {
    this.#target = target;
    this.#flushCharsMax = options.flushCharsMax;
    this.#flushSendCharsMax = options.flushSendCharsMax;
    this.#flushCharsMin = options.flushCharsMin;
    // Wrapped: the runtime's own functions refuse to run with another `this`.
    this.#microtask = options.microtask ?? ((run) => queueMicrotask(run));
    this.#timer = options.timer ?? ((run) => setTimeout(run, 0));
    this.#now = options.now ?? (() => Date.now());
  }

  /** A socket that joins now gets only what is queued from now on. */
  join(ws: WebSocket): void {
    if (this.#queue.length > 0) this.#joinedAt.set(ws, this.#queue.length);
  }

  /** From now on the socket gets no broadcast events with a seq. */
  hold(ws: WebSocket): void {
    this.#held.add(ws);
  }

  /** The socket gets broadcasts again, from those queued from now on. */
  release(ws: WebSocket): void {
    if (this.#held.delete(ws)) this.join(ws);
  }

  /** Forgets a closed socket. */
  remove(ws: WebSocket): void {
    this.#held.delete(ws);
    this.#joinedAt.delete(ws);
  }

  /** How long the oldest frame still queued has waited (0 when none waits): the room's delivery lag. */
  lagMs(now: number): number {
    const oldest = this.#queue[0];
    return oldest ? Math.max(0, now - oldest.at) : 0;
  }

  /** To every socket but `except`. */
  broadcast(frame: BatchableFrame, except?: WebSocket | ReadonlySet<object>): void {
    this.broadcastJson(JSON.stringify(frame), "seq" in frame, except);
  }

  /** A frame serialised already; `logged`: it has a seq. */
  broadcastJson(json: string, logged: boolean, except?: WebSocket | ReadonlySet<object>): void {
    this.#enqueue({ json, except, logged, at: this.#now() });
  }

  /** To one socket, in order with the broadcasts around it. */
  sendTo(ws: WebSocket, frame: BatchableFrame): void {
    this.sendJson(ws, JSON.stringify(frame));
  }

  sendJson(ws: WebSocket, json: string): void {
    this.#enqueue({ json, only: ws, at: this.#now() });
  }

  #enqueue(item: Outgoing): void {
    this.#queue.push(item);
    if (this.#scheduled) return;
    this.#scheduled = true;
    // After an idle spell no other event is waiting: send when this one is done.
    if (this.#busy) this.#scheduleTick(item.at);
    else this.#scheduleMicrotask();
  }

  /** An incoming frame was handled: after enough of them since the last flush, flush without waiting for the tick. */
  incoming(): void {
    this.#received++;
    if (!this.#busy || this.#early || this.#queue.length === 0 || this.#received < this.#reached) return;
    this.#early = true;
    this.#scheduleMicrotask();
  }

  /** Flushes when this event turn's work is done. */
  #scheduleMicrotask(): void {
    const round = this.#round;
    this.#microtask(() => {
      if (round === this.#round) this.flush();
    });
  }

  /** Asks for a timer tick: the next flush, unless an early one comes first. */
  #scheduleTick(now: number): void {
    if (Number.isNaN(this.#tickSince)) this.#tickSince = now;
    const round = this.#round;
    this.#timer(() => {
      this.#tickSince = Number.NaN;
      if (round === this.#round) this.flush();
    });
  }

  /**
   * Sends, in one payload, everything queued for this socket now (a socket
   * about to be closed), and forgets it.
   */
  drainTo(ws: WebSocket): void {
    const frames = framesOf(ws, this.#queue, this.#joinedAt.get(ws) ?? 0, this.#held.has(ws));
    this.remove(ws);
    if (frames.length > 0) this.#target.send(ws, wrap(frames));
  }

  /** Sends the oldest queued frames, up to the cap; the rest waits for the next tick. */
  flush(): void {
    this.#round++;
    this.#scheduled = false;
    this.#early = false;
    if (this.#queue.length === 0) {
      this.#busy = false;
      return;
    }
    const socketCount = this.#target.socketCount();
    const now = this.#now();
    const lagMs = this.lagMs(now);
    const heldMs = Number.isNaN(this.#tickSince) ? 0 : now - this.#tickSince;
    const batch = this.#take(socketCount);
    const joinedAt = this.#joinedAt;
    this.#joinedAt = new Map();
    for (const [ws, from] of joinedAt) if (from > batch.length) this.#joinedAt.set(ws, from - batch.length);
    // Frames that arrive while this one is sent wait for a tick and go out together.
    this.#busy = true;
    this.#scheduled = true;
    this.#received = 0;
    this.#reached = Math.max(EARLY_FLUSH_MIN, Math.ceil(socketCount * EARLY_FLUSH_SHARE));
    this.#scheduleTick(now);

    this.#target.beforeFlush();
    const failed: WebSocket[] = [];
    const send = (ws: WebSocket, payload: string) => {
      if (!this.#target.send(ws, payload)) failed.push(ws);
    };

    const events = sendFlush(batch, this.#target.sockets(), { joinedAt, held: this.#held }, send);
    this.#target.flushed?.(events, socketCount, lagMs, heldMs);
    if (failed.length > 0) this.#target.failed(failed);
  }

  /** The queue's oldest frames up to the cap, at least one; the queue keeps the rest. */
  #take(socketCount: number): Outgoing[] {
    const queue = this.#queue;
    const shareOfSend = Math.floor(this.#flushSendCharsMax / Math.max(1, socketCount));
    const cap = Math.min(this.#flushCharsMax, Math.max(this.#flushCharsMin, shareOfSend));
    // What each socket gets: a broadcast counts whole, a frame for one socket (an ack, an error) its share of all.
    const share = 1 / Math.max(1, socketCount);
    let chars = 0;
    let n = 0;
    while (n < queue.length) {
      const item = queue[n] as Outgoing;
      chars += item.only ? item.json.length * share : item.json.length;
      if (n > 0 && chars > cap) break;
      n++;
    }
    if (n === queue.length) {
      this.#queue = [];
      return queue;
    }
    this.#queue = queue.slice(n);
    return queue.slice(0, n);
  }
}
