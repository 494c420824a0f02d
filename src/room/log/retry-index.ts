/** Where an event of the log is: its seq and time. */
export type Stored = { seq: number; ts: number };

const keyOf = (author: string, clientId: string) => `${author}\u0000${clientId}`;

/**
 * What each author already did under each of their ids, for the events the
 * log keeps: a retry (the same author and id) is recognised and answered
 * with its first ack. Loaded from storage on first use after a wake, then
 * kept in step with every write and prune.
 */
export class RetryIndex {
  readonly #sql: SqlStorage;
  #index: Map<string, Stored> | null = null;

  constructor(sql: SqlStorage) {
    this.#sql = sql;
  }

  get(author: string, clientId: string, hasTables: boolean): Stored | null {
    return this.#load(hasTables).get(keyOf(author, clientId)) ?? null;
  }

  /** A new event was stored (only once loaded: a later load reads it from storage). */
  stored(author: string, clientId: string, stored: Stored): void {
    this.#index?.set(keyOf(author, clientId), stored);
  }

  /** Events up to `seq` were pruned. */
  prunedThrough(seq: number): void {
    if (!this.#index) return;
    for (const [key, stored] of this.#index) if (stored.seq <= seq) this.#index.delete(key);
  }

  forget(): void {
    this.#index = null;
  }

  #load(hasTables: boolean): Map<string, Stored> {
    if (this.#index) return this.#index;
    const index = new Map<string, Stored>();
    if (hasTables) {
      const rows = this.#sql.exec<{ author: string; client_id: string; seq: number; ts: number }>(
        `SELECT author, client_id, seq, ts FROM messages WHERE author <> ''
         UNION ALL SELECT author, client_id, seq, ts FROM events WHERE author <> ''`,
      );
      for (const row of rows) index.set(keyOf(row.author, row.client_id), { seq: row.seq, ts: row.ts });
    }
    this.#index = index;
    return index;
  }
}
