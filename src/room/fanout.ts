import type { BatchableFrame } from "../shared";

// `logged`: an event with a seq, which a held socket gets from its catch-up pages instead.
// `at`: when it was queued, for the room's delivery lag.
type Outgoing = {
  json: string;
  except?: WebSocket | ReadonlySet<WebSocket>;
  only?: WebSocket;
  logged?: boolean;
  at: number;
};

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
  /** Called after each flush with how many events with a seq it sent out. */
  flushed?(events: number): void;
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
 * stays queued in order for the next tick. The runtime can hold timer ticks
 * back behind incoming frames (measured under wrangler dev at 800 sockets:
 * ticks 0.2-5 s late while frames kept coming), so the room also flushes
 * without the tick once it has handled as many incoming frames since the last
 * flush as that flush reached sockets: as much receiving as sending, which
 * depends on the load, not on a clock. Every socket gets its frames in queue
 * order, each once.
 */
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
  broadcast(frame: BatchableFrame, except?: WebSocket | ReadonlySet<WebSocket>): void {
    this.#enqueue({ json: JSON.stringify(frame), except, logged: "seq" in frame, at: this.#now() });
  }

  /** To one socket, in order with the broadcasts around it. */
  sendTo(ws: WebSocket, frame: BatchableFrame): void {
    this.#enqueue({ json: JSON.stringify(frame), only: ws, at: this.#now() });
  }

  #enqueue(item: Outgoing): void {
    this.#queue.push(item);
    if (this.#scheduled) return;
    this.#scheduled = true;
    // After an idle spell no other event is waiting: send when this one is done.
    if (this.#busy) this.#schedule(this.#timer);
    else this.#schedule(this.#microtask);
  }

  /** An incoming frame was handled: after as many as the last flush reached sockets, flush without waiting for the tick. */
  incoming(): void {
    this.#received++;
    if (!this.#busy || this.#early || this.#queue.length === 0 || this.#received < this.#reached) return;
    this.#early = true;
    this.#schedule(this.#microtask);
  }

  #schedule(by: (run: () => void) => void): void {
    const round = this.#round;
    by(() => {
      if (round === this.#round) this.flush();
    });
  }

  /**
   * Sends, in one payload, everything queued for this socket now (a socket
   * about to be closed), and forgets it.
   */
  drainTo(ws: WebSocket): void {
    const frames = this.#framesOf(ws, this.#queue, this.#joinedAt.get(ws) ?? 0);
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
    const batch = this.#take(socketCount);
    const joinedAt = this.#joinedAt;
    this.#joinedAt = new Map();
    for (const [ws, from] of joinedAt) if (from > batch.length) this.#joinedAt.set(ws, from - batch.length);
    // Frames that arrive while this one is sent wait for a tick and go out together.
    this.#busy = true;
    this.#scheduled = true;
    this.#received = 0;
    this.#reached = socketCount;
    this.#schedule(this.#timer);

    this.#target.beforeFlush();
    const failed: WebSocket[] = [];
    const send = (ws: WebSocket, payload: string) => {
      if (!this.#target.send(ws, payload)) failed.push(ws);
    };

    // The broadcasts, joined once; `firstShared[i]`: the index in `shared` of the first broadcast at or after batch[i].
    const shared: string[] = [];
    const firstShared = new Array<number>(batch.length + 1);
    // The batch indices that name a socket (frames only for it, or broadcasts not for it), in order.
    const named = new Map<WebSocket, number[]>();
    const name = (ws: WebSocket, i: number) => {
      const list = named.get(ws);
      if (list) list.push(i);
      else named.set(ws, [i]);
    };
    let events = 0;
    for (const [i, item] of batch.entries()) {
      firstShared[i] = shared.length;
      if (item.only) name(item.only, i);
      else {
        shared.push(item.json);
        if (item.logged) events++;
        if (item.except instanceof Set) for (const ws of item.except) name(ws, i);
        else if (item.except) name(item.except as WebSocket, i);
      }
    }
    firstShared[batch.length] = shared.length;
    const body = shared.join(",");
    // Where each broadcast starts in `body`; one past the end is the comma that would follow the last.
    const offsets = new Array<number>(shared.length + 1);
    let offset = 0;
    for (const [k, json] of shared.entries()) {
      offsets[k] = offset;
      offset += json.length + 1;
    }
    offsets[shared.length] = offset;
    const sharedPayload = shared.length === 0 ? null : shared.length === 1 ? body : batchOf(body);

    for (const ws of this.#target.sockets()) {
      const from = joinedAt.get(ws);
      if (this.#held.has(ws)) {
        // Rare (a socket catching up): picked frame by frame.
        const own = this.#framesOf(ws, batch, from ?? 0);
        if (own.length > 0) send(ws, wrap(own));
        continue;
      }
      const marks = named.get(ws);
      if (from === undefined && !marks) {
        if (sharedPayload !== null) send(ws, sharedPayload);
        continue;
      }
      // Runs of the body, cut around this socket's own frames and the broadcasts not for it.
      const pieces: string[] = [];
      let count = 0;
      let cursor = firstShared[Math.min(from ?? 0, batch.length)] as number;
      const run = (to: number) => {
        if (to <= cursor) return;
        pieces.push(body.slice(offsets[cursor], (offsets[to] as number) - 1));
        count += to - cursor;
        cursor = to;
      };
      for (const i of marks ?? []) {
        const item = batch[i] as Outgoing;
        if (item.only) {
          run(firstShared[i] as number);
          pieces.push(item.json);
          count++;
        } else if (i >= (from ?? 0)) {
          run(firstShared[i] as number);
          cursor++;
        }
      }
      run(shared.length);
      if (count > 0) send(ws, count === 1 ? (pieces[0] as string) : batchOf(pieces.join(",")));
    }
    this.#target.flushed?.(events);
    if (failed.length > 0) this.#target.failed(failed);
  }

  /** The queue's oldest frames up to the cap, at least one; the queue keeps the rest. */
  #take(socketCount: number): Outgoing[] {
    const queue = this.#queue;
    const shareOfSend = Math.floor(this.#flushSendCharsMax / Math.max(1, socketCount));
    const cap = Math.min(this.#flushCharsMax, Math.max(this.#flushCharsMin, shareOfSend));
    let chars = 0;
    let n = 0;
    while (n < queue.length) {
      chars += (queue[n] as Outgoing).json.length;
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

  /** The frames of `items` for this socket, one by one: for held sockets and a socket's last frames. */
  #framesOf(ws: WebSocket, items: readonly Outgoing[], from: number): string[] {
    const held = this.#held.has(ws);
    return items
      .filter((item, i) => (item.only ? item.only === ws : i >= from && !excludes(item, ws) && !(held && item.logged)))
      .map((item) => item.json);
  }
}

function excludes(item: Outgoing, ws: WebSocket): boolean {
  return item.except instanceof Set ? item.except.has(ws) : item.except === ws;
}

/** One frame as itself, several in a batch. */
function wrap(frames: string[]): string {
  return frames.length === 1 ? (frames[0] as string) : batchOf(frames.join(","));
}

/** A batch around frames already joined with commas. */
function batchOf(joined: string): string {
  return `{"type":"batch","frames":[${joined}]}`;
}
