import { type ChatMessage, LIMITS } from "./protocol";

type MessageRow = { seq: number; client_id: string; name: string; text: string; ts: number };

function toMessage(row: MessageRow): ChatMessage {
  return { type: "message", seq: row.seq, id: row.client_id, name: row.name, text: row.text, ts: row.ts };
}

// Prune in steps so most inserts do no extra work.
const PRUNE_EVERY = 100;

/** A room's history in its Durable Object's SQLite storage. All queries bind parameters. */
export class MessageStore {
  readonly #sql: SqlStorage;
  #lastSeq: number;
  #lastTs: number;

  constructor(sql: SqlStorage) {
    this.#sql = sql;
    sql.exec(`CREATE TABLE IF NOT EXISTS messages (
      seq INTEGER PRIMARY KEY,
      client_id TEXT NOT NULL,
      name TEXT NOT NULL,
      text TEXT NOT NULL,
      ts INTEGER NOT NULL
    )`);
    // A retry is recognised by who sent it and the id they gave it.
    sql.exec("CREATE UNIQUE INDEX IF NOT EXISTS messages_sender_id ON messages (name, client_id)");
    const last = sql
      .exec<{ seq: number; ts: number }>("SELECT seq, ts FROM messages ORDER BY seq DESC LIMIT 1")
      .toArray()[0];
    this.#lastSeq = last?.seq ?? 0;
    this.#lastTs = last?.ts ?? 0;
  }

  get lastSeq(): number {
    return this.#lastSeq;
  }

  /** The stored message this sender already sent with this id, if any. */
  findBySender(name: string, clientId: string): ChatMessage | null {
    const row = this.#sql
      .exec<MessageRow>(
        "SELECT seq, client_id, name, text, ts FROM messages WHERE name = ? AND client_id = ?",
        name,
        clientId,
      )
      .toArray()[0];
    return row ? toMessage(row) : null;
  }

  /** Stores a message with the next seq; `ts` never goes backwards. */
  append(name: string, clientId: string, text: string, now: number): ChatMessage {
    const seq = this.#lastSeq + 1;
    const ts = Math.max(now, this.#lastTs);
    this.#sql.exec(
      "INSERT INTO messages (seq, client_id, name, text, ts) VALUES (?, ?, ?, ?, ?)",
      seq,
      clientId,
      name,
      text,
      ts,
    );
    this.#lastSeq = seq;
    this.#lastTs = ts;
    if (seq % PRUNE_EVERY === 0) {
      this.#sql.exec("DELETE FROM messages WHERE seq <= ?", seq - LIMITS.historyKept);
    }
    return { type: "message", seq, id: clientId, name, text, ts };
  }

  /** Messages after `since`, oldest first; without `since`, the latest `historyOnJoin`. */
  history(since: number | undefined): ChatMessage[] {
    const rows =
      since === undefined
        ? this.#sql
            .exec<MessageRow>(
              "SELECT seq, client_id, name, text, ts FROM messages ORDER BY seq DESC LIMIT ?",
              LIMITS.historyOnJoin,
            )
            .toArray()
            .reverse()
        : this.#sql
            .exec<MessageRow>("SELECT seq, client_id, name, text, ts FROM messages WHERE seq > ? ORDER BY seq", since)
            .toArray();
    return rows.map(toMessage);
  }
}
