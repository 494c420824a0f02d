import { ensureSchema, hasSchema } from "./schema";

type Rules = {
  /** Appointed moderators: identity to the name they were last seen under, in order of appointment. */
  moderators: Map<string, string>;
  /** The owner's name as last seen ("" until they join under version 3). */
  ownerName: string;
  slowSeconds: number;
  locked: boolean;
};

/**
 * What the owner and moderators set for their room (version 3): who the
 * owner appointed moderator, slow mode and the lock. Kept in SQLite so they
 * survive eviction and restarts; read once per wake. Writes run inside the
 * event's transaction (`MessageStore.moderation`), so a rule and the event
 * that says so are stored together or not at all: memory follows only after.
 */
export class RoomRules {
  readonly #sql: SqlStorage;
  #rules: Rules | null = null;

  constructor(sql: SqlStorage) {
    this.#sql = sql;
  }

  get slowSeconds(): number {
    return this.#read().slowSeconds;
  }

  get locked(): boolean {
    return this.#read().locked;
  }

  isAppointed(identity: string): boolean {
    return this.#read().moderators.has(identity);
  }

  /** The moderators' names, the owner's first (when known). */
  moderators(): string[] {
    const { ownerName, moderators } = this.#read();
    const names = [...moderators.values()];
    return ownerName === "" ? names : [ownerName, ...names];
  }

  /** What `welcome` says of the room's rules. */
  welcome(): { moderators: string[]; slowSeconds: number; locked: boolean } {
    return { moderators: this.moderators(), slowSeconds: this.slowSeconds, locked: this.locked };
  }

  /** Someone joined under `name`: the owner's and moderators' names stay current. Never throws. */
  seen(identity: string, name: string, isOwner: boolean): void {
    const rules = this.#read();
    const known = isOwner ? rules.ownerName : rules.moderators.get(identity);
    if (known === undefined || known === name) return;
    try {
      ensureSchema(this.#sql);
      if (isOwner) this.#sql.exec("INSERT OR REPLACE INTO meta (key, value) VALUES ('owner_name', ?)", name);
      else this.#sql.exec("UPDATE moderators SET name = ? WHERE identity = ?", name, identity);
    } catch (error) {
      // The list shows the earlier name until the next join.
      console.error("room-rules: a moderator's name was not stored", error);
      return;
    }
    if (isOwner) rules.ownerName = name;
    else rules.moderators.set(identity, name);
  }

  /** Stores an appointment (call inside the event's transaction); `applied` then updates memory. */
  appoint(identity: string, name: string, now: number): () => void {
    this.#sql.exec("INSERT OR REPLACE INTO moderators (identity, name, ts) VALUES (?, ?, ?)", identity, name, now);
    return () => this.#read().moderators.set(identity, name);
  }

  dismiss(identity: string): () => void {
    this.#sql.exec("DELETE FROM moderators WHERE identity = ?", identity);
    return () => this.#read().moderators.delete(identity);
  }

  setSlow(seconds: number): () => void {
    this.#sql.exec("INSERT OR REPLACE INTO meta (key, value) VALUES ('slow_seconds', ?)", seconds);
    return () => {
      this.#read().slowSeconds = seconds;
    };
  }

  setLocked(locked: boolean): () => void {
    this.#sql.exec("INSERT OR REPLACE INTO meta (key, value) VALUES ('locked', ?)", locked ? 1 : 0);
    return () => {
      this.#read().locked = locked;
    };
  }

  /** The room's storage was wiped. */
  forget(): void {
    this.#rules = null;
  }

  #read(): Rules {
    if (this.#rules) return this.#rules;
    const rules: Rules = { moderators: new Map(), ownerName: "", slowSeconds: 0, locked: false };
    if (hasSchema(this.#sql)) {
      ensureSchema(this.#sql);
      const meta = this.#sql
        .exec<{ key: string; value: string | number }>(
          "SELECT key, value FROM meta WHERE key IN ('owner_name', 'slow_seconds', 'locked')",
        )
        .toArray();
      for (const { key, value } of meta) {
        if (key === "owner_name") rules.ownerName = String(value);
        else if (key === "slow_seconds") rules.slowSeconds = Number(value);
        else rules.locked = value === 1;
      }
      const rows = this.#sql.exec<{ identity: string; name: string }>(
        "SELECT identity, name FROM moderators ORDER BY ts, identity",
      );
      for (const { identity, name } of rows) rules.moderators.set(identity, name);
    }
    this.#rules = rules;
    return rules;
  }
}
