import { LIMITS, type LogEvent } from "../shared";
import type { Connections } from "./connections";
import type { InputShedding } from "./input-shedding";
import { type MessageStore, NotStoredError, type Refused } from "./log/message-store";
import { TOO_MANY_MESSAGE, type TooMany, type Unchanged } from "./log/reactions";
import { REFUSED_MESSAGES } from "./log/room-changes";
import type { RoomSocket } from "./roster";
import type { Session } from "./session";
import type { SlowMode } from "./slow-mode";
import type { Traffic } from "./traffic";

/** What a write stored, why it stored nothing, or null when it answered by itself. */
type WriteResult = LogEvent | Refused | TooMany | Unchanged | null;

/** What a write is, for its budgets and its words: new text is shed under load; moderation is never limited. */
export type WriteKind = "message" | "edit" | "change" | "moderation";

/**
 * Where "an ack means stored" is kept. A retry (the same identity and id)
 * gets its first answer again and stores nothing. Otherwise the write is
 * checked against the person's write budget and, for new text while the room
 * is behind, its share of what the room can deliver; then `write` stores one
 * event, and only what it stored is acked to the sender and sent to the
 * others. A write that fails tells this sender alone; `write` returns null
 * when it has answered by itself.
 */
export class EventWriter {
  readonly #store: MessageStore;
  readonly #connections: Connections;
  readonly #traffic: Traffic;
  readonly #shedding: InputShedding;
  readonly #slow: SlowMode;

  constructor(
    store: MessageStore,
    connections: Connections,
    traffic: Traffic,
    shedding: InputShedding,
    slow: SlowMode,
  ) {
    this.#slow = slow;
    this.#store = store;
    this.#connections = connections;
    this.#traffic = traffic;
    this.#shedding = shedding;
  }

  record(ws: RoomSocket, session: Session, id: string, kind: WriteKind, write: () => WriteResult): void {
    const stored = this.#store.findRetry(session.identity, id);
    if (stored) {
      this.#connections.sendTo(ws, { type: "ack", id, seq: stored.seq, ts: stored.ts });
      return;
    }
    // Slow mode, before the budgets: a message it refuses costs nothing.
    const slowed = kind === "message" ? this.#slow.check(session, Date.now()) : null;
    if (slowed) {
      this.#connections.sendError(ws, slowed.code, slowed.message, id, slowed.retryAfterMs);
      return;
    }
    if (!this.#admitted(ws, session, id, kind)) return;
    let result: WriteResult;
    try {
      result = write();
    } catch (error) {
      if (!(error instanceof NotStoredError)) throw error;
      const what = kind === "message" ? "message" : "change";
      console.error(`event-writer: a ${what} was not stored`, session.name, error.cause);
      this.#connections.sendError(ws, "not_stored", `the room could not store this ${what}; send it again`, id);
      return;
    }
    if (result === null) return;
    if ("refused" in result) {
      const why = result.refused === "too_many" ? TOO_MANY_MESSAGE : REFUSED_MESSAGES[result.refused];
      this.#connections.sendError(ws, result.refused, why, id);
      return;
    }
    if ("unchanged" in result) {
      this.#connections.sendTo(ws, { type: "ack", id, ...result.unchanged });
      return;
    }
    // Stored already; the output gate holds these until the write is durable.
    this.#connections.sendTo(ws, { type: "ack", id, seq: result.seq, ts: result.ts });
    this.#connections.broadcast(result, ws);
    if (result.type === "message") this.#connections.spoke(result.name);
  }

  #admitted(ws: RoomSocket, session: Session, id: string, kind: WriteKind): boolean {
    if (kind === "moderation") return true;
    const now = Date.now();
    // One budget per person, whichever of their sockets writes.
    const budget = this.#traffic.write(session.identity, now);
    if (!budget.ok) {
      const { writeBurst, writesPerSecond } = LIMITS;
      const why = `you are writing too fast: at most ${writeBurst} at once and ${writesPerSecond} a second`;
      this.#connections.sendError(ws, "rate_limited", why, id, budget.retryAfterMs);
      return false;
    }
    // New text waits while the room is behind; deletions and moderation never do. What one message costs is
    // the sockets one object sends it to: the room object's own (each shard holds at most as many).
    if (kind !== "message" && kind !== "edit") return true;
    const admitted = this.#shedding.admit(
      session.identity,
      this.#connections.lagMs(now),
      this.#connections.localSize,
      now,
    );
    if (admitted.ok) return true;
    const why = "the room is busy: it cannot deliver more in time; send again later";
    this.#connections.sendError(ws, "rate_limited", why, id, admitted.retryAfterMs);
    return false;
  }
}
