import type { BatchableFrame } from "./protocol";

// `logged`: an event with a seq, which a held socket gets from its catch-up pages instead.
type Outgoing = { json: string; except?: WebSocket | ReadonlySet<WebSocket>; only?: WebSocket; logged?: boolean };

export type FanoutTarget = {
  /** The sockets a broadcast reaches. */
  sockets(): Iterable<WebSocket>;
  /** Runs before each flush sends anything. */
  beforeFlush(): void;
  /** Sends one payload; false when the socket failed. */
  send(ws: WebSocket, payload: string): boolean;
  /** Called once per flush with the sockets whose send failed. */
  failed(sockets: WebSocket[]): void;
};

// A flush this long after the last one follows an idle spell: nothing waits to join it.
const IDLE_MS = 5;

/**
 * Queues a room's outgoing frames and sends them at the end of the current
 * turn of the event loop (at once, by microtask, after an idle spell). When several frames are queued by then (a backlog
 * under load), each socket gets them in one `batch` frame instead of one send
 * per frame; each frame is serialised once, and sockets that get the same
 * frames share one payload. A held socket (catching up on history in pages)
 * gets no events with a seq until it is released.
 */
export class Fanout {
  readonly #target: FanoutTarget;
  #queue: Outgoing[] = [];
  #scheduled = false;
  #lastFlushAt = Number.NEGATIVE_INFINITY;
  // Sockets that joined while frames were queued: those frames are not theirs.
  #joinedAt = new Map<WebSocket, number>();
  readonly #held = new Set<WebSocket>();

  constructor(target: FanoutTarget) {
    this.#target = target;
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

  /** To every socket but `except`. */
  broadcast(frame: BatchableFrame, except?: WebSocket | ReadonlySet<WebSocket>): void {
    this.#enqueue({ json: JSON.stringify(frame), except, logged: "seq" in frame });
  }

  /** To one socket, in order with the broadcasts around it. */
  sendTo(ws: WebSocket, frame: BatchableFrame): void {
    this.#enqueue({ json: JSON.stringify(frame), only: ws });
  }

  #enqueue(item: Outgoing): void {
    this.#queue.push(item);
    if (this.#scheduled) return;
    this.#scheduled = true;
    // After an idle spell no other event is waiting: send when this one is done. Under load, a
    // timer, not a microtask: frames from the events already waiting join the batch.
    if (Date.now() - this.#lastFlushAt >= IDLE_MS) queueMicrotask(() => this.flush());
    else setTimeout(() => this.flush(), 0);
  }

  /** Sends everything queued now. */
  flush(): void {
    this.#scheduled = false;
    const queue = this.#queue;
    if (queue.length === 0) return;
    this.#lastFlushAt = Date.now();
    this.#queue = [];
    const joinedAt = this.#joinedAt;
    this.#joinedAt = new Map();
    this.#target.beforeFlush();
    const failed: WebSocket[] = [];
    const send = (ws: WebSocket, payload: string) => {
      if (!this.#target.send(ws, payload)) failed.push(ws);
    };

    // Sockets named by an item, or newer than part of the queue, get their own payload; all others share one.
    const special = new Set<WebSocket>([...joinedAt.keys(), ...this.#held]);
    const shared: string[] = [];
    for (const item of queue) {
      if (item.only) special.add(item.only);
      else {
        shared.push(item.json);
        if (item.except instanceof Set) for (const ws of item.except) special.add(ws);
        else if (item.except) special.add(item.except as WebSocket);
      }
    }
    const sharedPayload = shared.length === 0 ? null : wrap(shared);
    for (const ws of this.#target.sockets()) {
      if (!special.has(ws)) {
        if (sharedPayload !== null) send(ws, sharedPayload);
        continue;
      }
      const from = joinedAt.get(ws) ?? 0;
      const held = this.#held.has(ws);
      const own = queue
        .filter((item, i) =>
          item.only ? item.only === ws : i >= from && !excludes(item, ws) && !(held && item.logged),
        )
        .map((item) => item.json);
      if (own.length > 0) send(ws, wrap(own));
    }
    if (failed.length > 0) this.#target.failed(failed);
  }
}

function excludes(item: Outgoing, ws: WebSocket): boolean {
  return item.except instanceof Set ? item.except.has(ws) : item.except === ws;
}

function wrap(frames: string[]): string {
  return frames.length === 1 ? (frames[0] as string) : `{"type":"batch","frames":[${frames.join(",")}]}`;
}
