import type { ErrorCode } from "../shared";
import type { Moderation } from "./log/moderation";
import type { RoomRules } from "./log/room-rules";
import type { Session } from "./session";

export type Gate = { code: ErrorCode; message: string; retryAfterMs: number };

// Past this many remembered senders, those whose last message is older than the longest interval go.
const TIDY_AT = 1000;
const HOUR_MS = 3_600_000;

/**
 * Slow mode: while a moderator has set it, each member may send one message
 * per `slowSeconds`, counted per person across all of their sockets.
 * Moderators and the owner are exempt. When each person last sent is kept in
 * memory, and read from their latest stored message once per wake, so a room
 * that hibernates between messages (it does after seconds idle) stays slow.
 */
export class SlowMode {
  readonly #rules: RoomRules;
  readonly #moderation: Moderation;
  readonly #sql: SqlStorage;
  // When each person last sent; null when they have sent nothing still stored.
  readonly #lastSent = new Map<string, number | null>();

  constructor(sql: SqlStorage, rules: RoomRules, moderation: Moderation) {
    this.#sql = sql;
    this.#rules = rules;
    this.#moderation = moderation;
  }

  /** Why this person may not send now, or null. */
  check(session: Session, now: number): Gate | null {
    const seconds = this.#rules.slowSeconds;
    if (seconds === 0 || this.#moderation.roleOf(session, now) !== "member") return null;
    const last = this.#lastSentBy(session.identity);
    if (last === null) return null;
    const retryAfterMs = last + seconds * 1000 - now;
    if (retryAfterMs <= 0) return null;
    const every = seconds === 1 ? "second" : `${seconds} seconds`;
    return { code: "slow_mode", message: `slow mode is on: one message every ${every}`, retryAfterMs };
  }

  #lastSentBy(identity: string): number | null {
    let last = this.#lastSent.get(identity);
    if (last === undefined) {
      // `author <> ''` lets SQLite use the partial (author, client_id) index: only this person's messages are read.
      const query = "SELECT MAX(ts) AS ts FROM messages WHERE author = ? AND author <> ''";
      const row = this.#sql.exec<{ ts: number | null }>(query, identity).one();
      last = row.ts;
      this.#lastSent.set(identity, last);
    }
    return last;
  }

  /** A message of theirs was stored at `ts`. */
  sent(identity: string, ts: number): void {
    this.#lastSent.set(identity, ts);
    if (this.#lastSent.size <= TIDY_AT) return;
    for (const [who, at] of this.#lastSent) if (at === null || ts - at > HOUR_MS) this.#lastSent.delete(who);
  }
}
