import { type ChatMessage, LIMITS } from "./protocol";
import { ensureSchema, hasSchema } from "./schema";

type MessageRow = { seq: number; client_id: string; name: string; text: string; ts: number };
type Stored = { seq: number; ts: number };
export type Page = { messages: ChatMessage[]; more: boolean };

const COLUMNS = "seq, client_id, name, text, ts";

function toMessage(row: MessageRow): ChatMessage {
  return { type: "message", seq: row.seq, id: row.client_id, name: row.name, text: row.text, ts: row.ts };
}

// A retry is recognised by its author and the id they gave.
const retryKey = (author: string, clientId: string) => `${author}\u0000${clientId}`;

// Prune in steps so most sends do no extra work.
const PRUNE_EVERY = 100;
const utf8 = new TextEncoder();

/** Thrown when a message could not be stored; nothing of it was kept. */
export class NotStoredError extends Error {
  override readonly name = "NotStoredError";
}

/**
 * A room's history in its Durable Object's SQLite storage.
 *
 * Invariant: a seq is given only to a stored message. `append` inserts at once
 * and only then advances `lastSeq` and the retry index, so a failed insert
 * leaves memory exactly as storage is and no seq is ever handed out twice.
 * Tables are made on the first write: reading an unknown room stores nothing.
 * All SQL binds its values.
 */
export class MessageStore {
  readonly #sql: SqlStorage;
  #ready: boolean;
  #lastSeq = 0;
  #lastTs = 0;
  // Ids of the kept messages, loaded on first use after a wake.
  #byAuthor: Map<string, Stored> | null = null;

  constructor(sql: SqlStorage) {
    this.#sql = sql;
    this.#ready = hasSchema(sql);
    if (!this.#ready) return;
    // A room made by an older version is brought up to date: it has storage already.
    ensureSchema(sql);
    const last = sql.exec<Stored>("SELECT seq, ts FROM messages ORDER BY seq DESC LIMIT 1").toArray()[0];
    this.#lastSeq = last?.seq ?? 0;
    this.#lastTs = last?.ts ?? 0;
  }

  get lastSeq(): number {
    return this.#lastSeq;
  }

  /** Whether the room has ever stored anything. */
  get isEmpty(): boolean {
    return !this.#ready;
  }

  /** The seq and time of the message this author already sent with this id, if any. */
  findByAuthor(author: string, clientId: string): Stored | null {
    return this.#retryIndex().get(retryKey(author, clientId)) ?? null;
  }

  /** Stores a message under the next seq (`ts` never goes backwards); throws NotStoredError if it cannot. */
  append(author: string, name: string, clientId: string, text: string, now: number): ChatMessage {
    const seq = this.#lastSeq + 1;
    const ts = Math.max(now, this.#lastTs);
    try {
      if (!this.#ready) {
        ensureSchema(this.#sql);
        this.#ready = true;
      }
      this.#sql.exec(
        "INSERT INTO messages (seq, client_id, author, name, text, ts) VALUES (?, ?, ?, ?, ?, ?)",
        seq,
        clientId,
        author,
        name,
        text,
        ts,
      );
    } catch (error) {
      throw new NotStoredError(`message ${seq} was not stored`, { cause: error });
    }
    this.#lastSeq = seq;
    this.#lastTs = ts;
    this.#byAuthor?.set(retryKey(author, clientId), { seq, ts });
    if (seq % PRUNE_EVERY === 0) this.#prune();
    return { type: "message", seq, id: clientId, name, text, ts };
  }

  /** Messages after `since`, oldest first, up to `pageBytesMax` of JSON; `more` when some were left. */
  after(since: number): Page {
    if (!this.#ready) return { messages: [], more: false };
    const rows = this.#sql.exec<MessageRow>(
      `SELECT ${COLUMNS} FROM messages WHERE seq > ? ORDER BY seq LIMIT ?`,
      since,
      LIMITS.pageMessagesMax + 1,
    );
    return takeWithinBudget(rows, LIMITS.pageMessagesMax);
  }

  /** The latest `count` messages, oldest first, as many of them as fit in `pageBytesMax`. */
  latest(count: number): ChatMessage[] {
    if (!this.#ready) return [];
    const rows = this.#sql.exec<MessageRow>(`SELECT ${COLUMNS} FROM messages ORDER BY seq DESC LIMIT ?`, count);
    return takeWithinBudget(rows, count).messages.reverse();
  }

  #prune(): void {
    const cutoff = this.#lastSeq - LIMITS.historyKept;
    // A failed prune only keeps more than needed; it is retried at the next step.
    try {
      this.#sql.exec("DELETE FROM messages WHERE seq <= ?", cutoff);
    } catch (error) {
      console.error("message-store: prune failed", error);
      return;
    }
    if (this.#byAuthor) {
      for (const [key, stored] of this.#byAuthor) if (stored.seq <= cutoff) this.#byAuthor.delete(key);
    }
  }

  #retryIndex(): Map<string, Stored> {
    if (this.#byAuthor) return this.#byAuthor;
    const index = new Map<string, Stored>();
    if (this.#ready) {
      const rows = this.#sql.exec<{ author: string; client_id: string; seq: number; ts: number }>(
        "SELECT author, client_id, seq, ts FROM messages",
      );
      for (const row of rows) index.set(retryKey(row.author, row.client_id), { seq: row.seq, ts: row.ts });
    }
    this.#byAuthor = index;
    return index;
  }
}

/** Reads rows until `max` messages or `pageBytesMax` bytes of JSON (at least one message); reads no further. */
function takeWithinBudget(rows: Iterable<MessageRow>, max: number): Page {
  const messages: ChatMessage[] = [];
  let bytes = 0;
  for (const row of rows) {
    const message = toMessage(row);
    bytes += utf8.encode(JSON.stringify(message)).byteLength + 1;
    if (messages.length === max || (bytes > LIMITS.pageBytesMax && messages.length > 0))
      return { messages, more: true };
    messages.push(message);
  }
  return { messages, more: false };
}
