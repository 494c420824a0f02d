import {
  type ChatMessage,
  DAY_MS,
  LIMITS,
  type LogEvent,
  type ModerationAction,
  type ModerationEvent,
} from "../../shared";
import {
  EVENT_COLUMNS,
  type LogRow,
  lastStored,
  MESSAGE_COLUMNS,
  moderationEvent,
  type Page,
  takeWithinBudget,
  toEvent,
  toMessage,
  withReactions,
} from "./log-rows";
import { reactionLookup } from "./reactions";
import { RetryIndex, type Stored } from "./retry-index";
import { ensureSchema, hasSchema } from "./schema";

export type { Page } from "./log-rows";

export type Retention = { keep: number; days?: number };
/** Why an edit or delete was refused. */
export type Refused = { refused: "not_found" | "forbidden" };

// Prune in small steps so no send waits long for it.
const PRUNE_EVERY = 100;
const PRUNE_STEP_ROWS = 500;

/** Thrown when an event could not be stored; nothing of it was kept. */
export class NotStoredError extends Error {
  override readonly name = "NotStoredError";
}

/**
 * A room's event log in its Durable Object's SQLite storage: messages in
 * their current state, and the edits, deletions and moderation that changed
 * the room, all numbered by one `seq`.
 *
 * Invariant: a seq is given only to a stored event. Each write runs in one
 * transaction and only then advances `lastSeq` and the retry index, so a
 * failed write leaves memory exactly as storage is and no seq is ever handed
 * out twice (pruning records the last seq before it deletes anything).
 * Replay and current state agree: a deletion blanks the message and every
 * edit of it. Tables are made on the first write. All SQL binds its values.
 */
export class MessageStore {
  readonly #storage: DurableObjectStorage;
  readonly #sql: SqlStorage;
  readonly #retention: Retention;
  #ready: boolean;
  #lastSeq = 0;
  #lastTs = 0;
  #sinceLastPrune = 0;
  // The latest messages as a join sees them, until the next write: a crowd joining reads them once.
  #latest: { count: number; page: Page<ChatMessage> } | null = null;
  readonly #retries: RetryIndex;

  constructor(storage: DurableObjectStorage, retention: Retention = { keep: LIMITS.historyKept }) {
    this.#storage = storage;
    this.#sql = storage.sql;
    this.#retention = retention;
    this.#retries = new RetryIndex(this.#sql);
    this.#ready = hasSchema(this.#sql);
    if (!this.#ready) return;
    // A room made by an older version is brought up to date: it has storage already.
    ensureSchema(this.#sql);
    const last = lastStored(this.#sql);
    this.#lastSeq = last.seq;
    this.#lastTs = last.ts;
  }

  /** The room's storage was deleted: this store starts again, empty, and makes its tables on the next write. */
  reset(): void {
    this.#ready = false;
    this.#lastSeq = 0;
    this.#lastTs = 0;
    this.#sinceLastPrune = 0;
    this.#latest = null;
    this.#retries.forget();
  }

  get lastSeq(): number {
    return this.#lastSeq;
  }

  /** When the last event happened (0 for a room that never had one). */
  lastActivity(): number {
    return this.#lastTs;
  }

  /** The seq and time of what this identity already did with this id, if anything. */
  findRetry(identity: string, clientId: string): Stored | null {
    return this.#retries.get(identity, clientId, this.#ready);
  }

  /** Stores a message under the next seq (`ts` never goes backwards); throws NotStoredError if it cannot. */
  append(identity: string, name: string, clientId: string, text: string, now: number, replyTo?: number): ChatMessage {
    const { seq, ts } = this.write(identity, clientId, now, (seq, ts) => {
      this.#sql.exec(
        "INSERT INTO messages (seq, client_id, author, name, text, ts, reply_to) VALUES (?, ?, ?, ?, ?, ?, ?)",
        seq,
        clientId,
        identity,
        name,
        text,
        ts,
        replyTo ?? null,
      );
    });
    if (++this.#sinceLastPrune >= PRUNE_EVERY) this.prune(now);
    const message: ChatMessage = { type: "message", seq, id: clientId, name, text, ts };
    if (replyTo !== undefined) message.replyTo = replyTo;
    return message;
  }

  /** The author changes their message's text. */
  edit(identity: string, clientId: string, target: number, text: string, now: number): LogEvent | Refused {
    const message = this.message(target);
    if (!message) return { refused: "not_found" };
    if (message.author !== identity) return { refused: "forbidden" };
    const { seq, ts } = this.write(identity, clientId, now, (seq, ts) => {
      // An edit replaces the previous one: storage never grows with edits, and `since` replays the latest.
      this.#sql.exec("DELETE FROM events WHERE target = ? AND type = 'edited'", target);
      this.#sql.exec(
        "INSERT INTO events (seq, type, target, text, name, author, client_id, ts) VALUES (?, 'edited', ?, ?, ?, ?, ?, ?)",
        seq,
        target,
        text,
        message.name,
        identity,
        clientId,
        ts,
      );
      this.#sql.exec("UPDATE messages SET text = ?, edited_at = ? WHERE seq = ?", text, ts, target);
    });
    return { type: "edited", seq, target, text, name: message.name, ts };
  }

  /** Removes a message, its words gone from storage (its edits' too); the author's, or anyone's for a moderator. */
  remove(
    actor: { identity: string; name: string; moderator: boolean },
    clientId: string,
    target: number,
    now: number,
  ): LogEvent | Refused {
    const message = this.message(target);
    if (!message) return { refused: "not_found" };
    if (message.author !== actor.identity && !actor.moderator) return { refused: "forbidden" };
    const { seq, ts } = this.write(actor.identity, clientId, now, (seq, ts) => {
      this.#sql.exec(
        "INSERT INTO events (seq, type, target, by, author, client_id, ts) VALUES (?, 'deleted', ?, ?, ?, ?, ?)",
        seq,
        target,
        actor.name,
        actor.identity,
        clientId,
        ts,
      );
      this.#sql.exec("UPDATE messages SET text = '', edited_at = NULL, deleted = 1 WHERE seq = ?", target);
      this.#sql.exec("UPDATE events SET text = '' WHERE target = ? AND type = 'edited'", target);
      this.#sql.exec("DELETE FROM events WHERE target = ? AND type = 'reacted'", target);
    });
    return { type: "deleted", seq, target, by: actor.name, ts };
  }

  /** A moderator's action (`amount`: a ban's minutes or slow mode's seconds); `carryOut` joins its transaction. */
  moderation(
    actor: { identity: string; name: string },
    clientId: string,
    what: { action: ModerationAction; name: string; amount?: number },
    now: number,
    carryOut?: () => void,
  ): ModerationEvent {
    const { action, name, amount } = what;
    const { seq, ts } = this.write(actor.identity, clientId, now, (seq, ts) => {
      carryOut?.();
      const sql =
        "INSERT INTO events (seq, type, action, name, by, author, client_id, ts, amount) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)";
      this.#sql.exec(sql, seq, "moderation", action, name, actor.name, actor.identity, clientId, ts, amount ?? null);
    });
    return moderationEvent(seq, action, name, actor.name, ts, amount ?? null);
  }

  /** Events after `since`, oldest first, up to `pageBytesMax` of JSON; `more` when some were left. */
  after(since: number): Page<LogEvent> {
    if (!this.#ready) return { items: [], more: false, bytes: 0 };
    const reactions = reactionLookup(this.#sql);
    const rows = this.#sql.exec<LogRow>(
      `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE seq > ?
       UNION ALL SELECT ${EVENT_COLUMNS} FROM events WHERE seq > ?
       ORDER BY seq LIMIT ?`,
      since,
      since,
      LIMITS.pageMessagesMax + 1,
    );
    return takeWithinBudget(rows, LIMITS.pageMessagesMax, (row) => withReactions(toEvent(row), reactions));
  }

  /** The latest `count` messages in their current state, oldest first, as many as fit in `pageBytesMax`. */
  latest(count: number): Page<ChatMessage> {
    if (this.#latest?.count !== count) this.#latest = { count, page: this.before(Number.MAX_SAFE_INTEGER, count) };
    return { ...this.#latest.page, more: false };
  }

  /** Up to `count` messages before `seq`, oldest first, in their current state; `more` when earlier ones exist. */
  before(seq: number, count: number): Page<ChatMessage> {
    if (!this.#ready) return { items: [], more: false, bytes: 0 };
    const reactions = reactionLookup(this.#sql);
    const rows = this.#sql.exec<LogRow>(
      `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE seq < ? ORDER BY seq DESC LIMIT ?`,
      seq,
      count + 1,
    );
    const page = takeWithinBudget(rows, count, (row) => withReactions(toMessage(row), reactions));
    page.items.reverse();
    return page;
  }

  /**
   * Drops what is past the kept window, a step at a time: messages beyond the
   * newest `keep`, or older than `days`, and the events before them.
   */
  prune(now: number): void {
    this.#sinceLastPrune = 0;
    if (!this.#ready) return;
    const { keep, days } = this.#retention;
    const byCount =
      this.#sql.exec<{ seq: number }>("SELECT seq FROM messages ORDER BY seq DESC LIMIT 1 OFFSET ?", keep).toArray()[0]
        ?.seq ?? 0;
    const byAge =
      days === undefined
        ? 0
        : (this.#sql
            .exec<{ seq: number }>("SELECT MAX(seq) AS seq FROM messages WHERE ts < ?", now - days * DAY_MS)
            .toArray()[0]?.seq ?? 0);
    const cutoff = Math.max(byCount, byAge);
    if (cutoff === 0) return;
    try {
      this.#storage.transactionSync(() => {
        // Seqs must never be handed out again, even if every row goes.
        this.#sql.exec("INSERT OR REPLACE INTO meta (key, value) VALUES ('pruned_through', ?)", this.#lastSeq);
        for (const table of ["messages", "events"]) {
          this.#sql.exec(
            `DELETE FROM ${table} WHERE seq IN (SELECT seq FROM ${table} WHERE seq <= ? ORDER BY seq LIMIT ?)`,
            cutoff,
            PRUNE_STEP_ROWS,
          );
        }
        // Later edits and deletions of pruned messages have nothing left to change.
        this.#sql.exec(
          "DELETE FROM events WHERE seq IN (SELECT seq FROM events WHERE target <= ? ORDER BY target LIMIT ?)",
          cutoff,
          PRUNE_STEP_ROWS,
        );
      });
    } catch (error) {
      // Only keeps more than needed; the next step tries again.
      console.error("message-store: prune failed", error);
      return;
    }
    this.#latest = null;
    this.#retries.prunedThrough(cutoff);
  }

  /** Writes one event in a transaction under the next seq; memory moves on only once it is stored. */
  write(identity: string, clientId: string, now: number, write: (seq: number, ts: number) => void): Stored {
    const seq = this.#lastSeq + 1;
    const ts = Math.max(now, this.#lastTs);
    try {
      if (!this.#ready) {
        ensureSchema(this.#sql);
        this.#ready = true;
      }
      this.#storage.transactionSync(() => write(seq, ts));
    } catch (error) {
      throw new NotStoredError(`event ${seq} was not stored`, { cause: error });
    }
    this.#lastSeq = seq;
    this.#lastTs = ts;
    this.#latest = null;
    this.#retries.stored(identity, clientId, { seq, ts });
    return { seq, ts };
  }

  /** A message of this room that is not deleted, or null. */
  message(seq: number): { author: string; name: string; ts: number } | null {
    if (!this.#ready) return null;
    const found = this.#sql.exec<{ author: string; name: string; ts: number }>(
      "SELECT author, name, ts FROM messages WHERE seq = ? AND deleted = 0",
      seq,
    );
    return found.toArray()[0] ?? null;
  }
}
