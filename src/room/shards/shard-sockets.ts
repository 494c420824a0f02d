import { CLOSE_CODES, LIMITS } from "../../shared";
import { Backlog } from "../backlog";
import { Fanout } from "../fanout";
import type { ShardOp } from "./shard-ops";

/** What a shard's socket carries across hibernation: its id, and whether the room admitted it yet. */
type ShardAttachment = { id: number; joinedAt: number; active: boolean; held: boolean };

/**
 * A shard's sockets and what reaches them: the room's ops, applied in order,
 * through one fan-out (each event serialised once per batch, as in the room
 * object), and each reader's backlog (the `received` reports stay here: only
 * the socket's holder knows what it sent).
 *
 * Invariant: a socket gets nothing before its welcome, and after it every
 * event of the stream that is not its own, in order, once (events with a seq
 * only while it is not catching up).
 */
export class ShardSockets {
  readonly #byId = new Map<number, WebSocket>();
  // Each socket's id, read from its attachment once a wake (reading an attachment costs on every frame).
  readonly #ids = new WeakMap<WebSocket, number>();
  readonly #active = new Set<WebSocket>();
  readonly #fanout: Fanout;
  readonly #backlog = new Backlog(LIMITS.backlogCharsMax, 4 * LIMITS.backlogCharsMax);
  readonly #closed = new WeakSet<WebSocket>();

  constructor(sockets: WebSocket[]) {
    this.#fanout = new Fanout(
      {
        sockets: () => this.#active,
        socketCount: () => this.#active.size,
        beforeFlush: () => this.#backlog.measure(this.#active),
        send: (ws, payload) => this.#trySend(ws, payload),
        failed: (failed) => {
          for (const ws of failed) this.close(ws, CLOSE_CODES.tryAgainLater, "too far behind");
        },
      },
      {
        flushCharsMax: LIMITS.flushCharsMax,
        flushSendCharsMax: LIMITS.flushSendCharsMax,
        flushCharsMin: LIMITS.flushCharsMin,
      },
    );
    for (const ws of sockets) {
      const state = readAttachment(ws);
      if (!state || ws.readyState !== WebSocket.OPEN) continue;
      this.#byId.set(state.id, ws);
      this.#ids.set(ws, state.id);
      if (!state.active) continue;
      this.#active.add(ws);
      if (state.held) this.#fanout.hold(ws);
    }
  }

  /** Every socket here, admitted or waiting for its welcome. */
  get size(): number {
    return this.#byId.size;
  }

  /** Whether any socket here gets the room's events now. */
  get listening(): boolean {
    return this.#active.size > 0;
  }

  /** A socket just accepted: it waits for the room's welcome. */
  accept(ws: WebSocket, id: number, now: number): void {
    ws.serializeAttachment({ id, joinedAt: now, active: false, held: false } satisfies ShardAttachment);
    this.#byId.set(id, ws);
    this.#ids.set(ws, id);
  }

  /** The ids of every socket here (the room checks its list against them). */
  ids(): number[] {
    return [...this.#byId.keys()];
  }

  /** An event came in (a client's frame, a batch from the room): it paces flushes when timer ticks are held back. */
  incoming(): void {
    this.#fanout.incoming();
  }

  idOf(ws: WebSocket): number | undefined {
    return this.#ids.get(ws);
  }

  joinedAt(ws: WebSocket): number {
    return readAttachment(ws)?.joinedAt ?? 0;
  }

  /** Applies one op of the room's stream. */
  apply(op: ShardOp): void {
    if (op.t === "event") {
      const except = op.except?.map((id) => this.#byId.get(id)).filter((ws) => ws !== undefined);
      this.#fanout.broadcastJson(op.json, op.seq !== undefined, except ? new Set(except) : undefined);
      return;
    }
    const ws = this.#byId.get(op.id);
    if (!ws) return;
    if (op.t === "welcome") {
      const state = readAttachment(ws);
      if (!state) return;
      ws.serializeAttachment({ ...state, active: true, held: op.held } satisfies ShardAttachment);
      // What is queued now was for the sockets already here.
      this.#fanout.join(ws);
      if (op.held) this.#fanout.hold(ws);
      this.#backlog.start(ws);
      this.#active.add(ws);
      if (!this.#trySend(ws, op.json)) this.close(ws, CLOSE_CODES.internalError, "send failed");
    } else if (op.t === "to") this.#fanout.sendJson(ws, op.json);
    else if (op.t === "release") {
      const state = readAttachment(ws);
      if (state) ws.serializeAttachment({ ...state, held: false } satisfies ShardAttachment);
      this.#fanout.release(ws);
    } else this.close(ws, op.code, op.reason);
  }

  /** The reader's report; false when it claims more than it was sent (it is closed). */
  received(ws: WebSocket, chars: number, now: number): boolean {
    if (this.#backlog.received(ws, chars, now)) return true;
    this.close(ws, CLOSE_CODES.policyViolation, "reported reading more than was sent");
    return false;
  }

  stalled(ws: WebSocket, now: number): boolean {
    return this.#backlog.stalled(ws, now, LIMITS.idleTimeoutMs / 2, LIMITS.receivedReportChars);
  }

  /** Sends what is queued for the socket, closes it, and forgets it; its id, or undefined when gone already. */
  close(ws: WebSocket, code: number, reason: string): number | undefined {
    if (this.#closed.has(ws)) return undefined;
    this.#closed.add(ws);
    if (this.#active.has(ws)) this.#fanout.drainTo(ws);
    try {
      ws.close(code, reason);
    } catch {
      // Already closed.
    }
    return this.forget(ws);
  }

  /** Forgets a socket that closed; its id. */
  forget(ws: WebSocket): number | undefined {
    this.#closed.add(ws);
    this.#active.delete(ws);
    this.#fanout.remove(ws);
    const id = this.#ids.get(ws);
    if (id !== undefined && this.#byId.get(id) === ws) this.#byId.delete(id);
    return id;
  }

  #trySend(ws: WebSocket, payload: string): boolean {
    if (!this.#backlog.sent(ws, payload.length)) return false;
    try {
      ws.send(payload);
      return true;
    } catch (error) {
      console.error("shard-sockets: send failed; closing socket", error);
      return false;
    }
  }
}

function readAttachment(ws: WebSocket): ShardAttachment | null {
  let value: unknown;
  try {
    value = ws.deserializeAttachment();
  } catch {
    return null;
  }
  if (typeof value !== "object" || value === null) return null;
  const { id, joinedAt, active, held } = value as Record<string, unknown>;
  if (typeof id !== "number" || typeof joinedAt !== "number") return null;
  return { id, joinedAt, active: active === true, held: held === true };
}
