import { type ChatMessage, LIMITS } from "./protocol";

type MessageRow = { seq: number; client_id: string; name: string; text: string; ts: number };
type Stored = { seq: number; ts: number };

function toMessage(row: MessageRow): ChatMessage {
  return { type: "message", seq: row.seq, id: row.client_id, name: row.name, text: row.text, ts: row.ts };
}

// A sender's retry is recognised by their name and the id they gave.
const senderKey = (name: string, clientId: string) => `${name}\u0000${clientId}`;

// Prune in steps so most commits do no extra work.
const PRUNE_EVERY = 100;

/**
 * A room's history in its Durable Object's SQLite storage. Messages get their
 * seq at once and are written in one go by `commit()`, which must run before
 * anything that reports them (acks, broadcasts) is sent. All SQL binds its values.
 */
export class MessageStore {
  readonly #sql: SqlStorage;
  #lastSeq: number;
  #lastTs: number;
  #pending: ChatMessage[] = [];
  // Ids of the kept messages, loaded on first use after a wake.
  #bySender: Map<string, Stored> | null = null;

  constructor(sql: SqlStorage) {
    this.#sql = sql;
    sql.exec(`CREATE TABLE IF NOT EXISTS messages (
      seq INTEGER PRIMARY KEY,
      client_id TEXT NOT NULL,
      name TEXT NOT NULL,
      text TEXT NOT NULL,
      ts INTEGER NOT NULL
    )`);
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

  /** The seq and time of the message this sender already sent with this id, if any. */
  findBySender(name: string, clientId: string): Stored | null {
    return this.#senders().get(senderKey(name, clientId)) ?? null;
  }

  /** Gives a message the next seq; `ts` never goes backwards. Stored by the next `commit()`. */
  append(name: string, clientId: string, text: string, now: number): ChatMessage {
    const seq = this.#lastSeq + 1;
    const ts = Math.max(now, this.#lastTs);
    const message: ChatMessage = { type: "message", seq, id: clientId, name, text, ts };
    this.#senders().set(senderKey(name, clientId), { seq, ts });
    this.#pending.push(message);
    this.#lastSeq = seq;
    this.#lastTs = ts;
    return message;
  }

  /** Writes the appended messages. Synchronous: one implicit transaction with the caller's event. */
  commit(): void {
    const pending = this.#pending;
    if (pending.length === 0) return;
    this.#pending = [];
    for (const m of pending) {
      this.#sql.exec(
        "INSERT INTO messages (seq, client_id, name, text, ts) VALUES (?, ?, ?, ?, ?)",
        m.seq,
        m.id,
        m.name,
        m.text,
        m.ts,
      );
    }
    const first = pending[0]?.seq ?? 0;
    // Crossed a multiple of PRUNE_EVERY: drop what is past the kept window.
    if (Math.floor(this.#lastSeq / PRUNE_EVERY) > Math.floor((first - 1) / PRUNE_EVERY)) this.#prune();
  }

  /** Messages after `since`, oldest first; without `since`, the latest `historyOnJoin`. */
  history(since: number | undefined): ChatMessage[] {
    this.commit();
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

  #prune(): void {
    const cutoff = this.#lastSeq - LIMITS.historyKept;
    this.#sql.exec("DELETE FROM messages WHERE seq <= ?", cutoff);
    if (this.#bySender) {
      for (const [key, stored] of this.#bySender) if (stored.seq <= cutoff) this.#bySender.delete(key);
    }
  }

  #senders(): Map<string, Stored> {
    if (this.#bySender) return this.#bySender;
    const index = new Map<string, Stored>();
    const rows = this.#sql.exec<{ name: string; client_id: string; seq: number; ts: number }>(
      "SELECT name, client_id, seq, ts FROM messages",
    );
    for (const row of rows) index.set(senderKey(row.name, row.client_id), { seq: row.seq, ts: row.ts });
    this.#bySender = index;
    return index;
  }
}
