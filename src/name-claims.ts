import { ensureSchema, hasSchema } from "./schema";

const DAY_MS = 24 * 60 * 60 * 1000;

/** Identities that last only while their socket is open: their names are never stored. */
const isLasting = (identity: string) => !identity.startsWith("e:");

/**
 * Who owns which name in a room. Names are compared by skeleton, so look-alikes
 * are one name. A name belongs to the identity that used it while one of its
 * sockets is open and, for lasting identities (a device key or a signed-in
 * `sub`), for `holdDays` after its last use. Open sockets are counted in
 * memory (rebuilt from attachments on wake); holds are stored when their
 * owner first writes in the room and when they leave, so joining writes
 * nothing and waits for no disk.
 */
export class NameClaims {
  readonly #sql: SqlStorage;
  readonly #holdMs: number;
  // skeleton -> the identity using it now, and on how many sockets.
  readonly #inUse = new Map<string, { identity: string; sockets: number }>();
  // Holds written since this object woke: written once, not at every message.
  readonly #stored = new Set<string>();

  constructor(sql: SqlStorage, holdDays: number) {
    this.#sql = sql;
    this.#holdMs = holdDays * DAY_MS;
  }

  /** The identity holding this name now, if it is not `identity`. */
  heldByOther(identity: string, skeleton: string, now: number): boolean {
    const using = this.#inUse.get(skeleton);
    if (using) return using.identity !== identity;
    if (!hasSchema(this.#sql)) return false;
    const row = this.#sql
      .exec<{ identity: string; last_used: number }>(
        "SELECT identity, last_used FROM names WHERE skeleton = ?",
        skeleton,
      )
      .toArray()[0];
    return row !== undefined && row.identity !== identity && now - row.last_used < this.#holdMs;
  }

  /** A socket of `identity` now uses the name (already checked with `heldByOther`). */
  use(identity: string, skeleton: string): void {
    this.#count(identity, skeleton, 1);
  }

  /** The name's owner wrote in the room: their hold is stored, once per wake. */
  wrote(identity: string, name: string, skeleton: string, now: number): void {
    if (!isLasting(identity) || this.#stored.has(skeleton)) return;
    this.#store(identity, name, skeleton, now);
    this.#stored.add(skeleton);
  }

  /** A socket that was open before a wake. */
  restore(identity: string, skeleton: string): void {
    this.#count(identity, skeleton, 1);
  }

  /** A socket closed; when it was the name's last, the hold runs from now. */
  release(identity: string, name: string, skeleton: string, now: number): void {
    const using = this.#inUse.get(skeleton);
    if (!using || using.identity !== identity) return;
    if (this.#count(identity, skeleton, -1) === 0 && isLasting(identity)) {
      this.#store(identity, name, skeleton, now);
      this.#stored.delete(skeleton);
    }
  }

  /** Who uses or holds the name with this skeleton, if anyone. */
  identityOf(skeleton: string, now: number): { identity: string; name?: string } | null {
    const using = this.#inUse.get(skeleton);
    if (using) return { identity: using.identity };
    if (!hasSchema(this.#sql)) return null;
    const row = this.#sql
      .exec<{ identity: string; name: string; last_used: number }>(
        "SELECT identity, name, last_used FROM names WHERE skeleton = ?",
        skeleton,
      )
      .toArray()[0];
    return row && now - row.last_used < this.#holdMs ? { identity: row.identity, name: row.name } : null;
  }

  /** Forgets holds that lapsed. */
  prune(now: number): void {
    if (hasSchema(this.#sql)) this.#sql.exec("DELETE FROM names WHERE last_used < ?", now - this.#holdMs);
  }

  #count(identity: string, skeleton: string, delta: number): number {
    const sockets = (this.#inUse.get(skeleton)?.sockets ?? 0) + delta;
    if (sockets <= 0) this.#inUse.delete(skeleton);
    else this.#inUse.set(skeleton, { identity, sockets });
    return sockets;
  }

  /** Writes a hold; a failure keeps the name held only while its owner is here, and is logged. */
  #store(identity: string, name: string, skeleton: string, now: number): void {
    try {
      ensureSchema(this.#sql);
      this.#sql.exec(
        `INSERT INTO names (skeleton, identity, name, last_used) VALUES (?, ?, ?, ?)
         ON CONFLICT (skeleton) DO UPDATE SET identity = excluded.identity, name = excluded.name, last_used = excluded.last_used`,
        skeleton,
        identity,
        name,
        now,
      );
    } catch (error) {
      console.error("name-claims: a hold was not stored", error);
    }
  }
}
