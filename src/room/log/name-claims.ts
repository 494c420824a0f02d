import { DAY_MS, nameSkeleton } from "../../shared";
import { ensureSchema, hasSchema } from "./schema";

// Suffixes tried for a signed-in name another `sub` holds: far more than any room has namesakes.
const SUFFIX_MAX = 10_000;

/** Identities that last only while their socket is open: their names are never stored. */
const isLasting = (identity: string) => !identity.startsWith("e:");

export type ClaimsConfig = { holdDays: number; namesPerIdentity: number };

/**
 * Who owns which name in a room. Names are compared by skeleton, so look-alikes
 * are one name. A name belongs to the identity using it while one of its
 * sockets is open and, once that identity has posted under it (lasting
 * identities only: a device key or a signed-in `sub`), for `holdDays` after
 * its last use. An identity holds at most `namesPerIdentity` names after it
 * leaves: a new hold releases its oldest, so nobody can reserve a room's
 * common names. Open sockets are counted in memory (rebuilt from attachments
 * on wake); holds are written when their owner first posts and refreshed when
 * they leave, so joining writes nothing and waits for no disk.
 */
export class NameClaims {
  readonly #sql: SqlStorage;
  readonly #holdMs: number;
  readonly #perIdentity: number;
  // skeleton -> the identity using it now, under which name, and on how many sockets.
  readonly #inUse = new Map<string, { identity: string; name: string; sockets: number }>();
  // Holds written since this object woke: written once, not at every message.
  readonly #stored = new Set<string>();

  constructor(sql: SqlStorage, config: ClaimsConfig) {
    this.#sql = sql;
    this.#holdMs = config.holdDays * DAY_MS;
    this.#perIdentity = config.namesPerIdentity;
  }

  /** Whether someone other than `identity` uses or holds this name now. */
  heldByOther(identity: string, skeleton: string, now: number): boolean {
    const holder = this.identityOf(skeleton, now);
    return holder !== null && holder.identity !== identity;
  }

  /**
   * The name a signed-in person is shown under: their token's name, or when
   * another `sub` holds it, that name with a suffix (" (2)", " (3)"...).
   * A suffixed name they still hold stays theirs, even once the plain one is free.
   */
  suffixed(identity: string, name: string, skeleton: string, now: number): { name: string; skeleton: string } {
    const holder = this.identityOf(skeleton, now);
    if (holder?.identity === identity) return { name, skeleton };
    const prefix = `${name} (`;
    const own = this.#namesOf(identity, now).find(
      (held) => held.startsWith(prefix) && /^\d+\)$/.test(held.slice(prefix.length)),
    );
    if (own !== undefined) return { name: own, skeleton: nameSkeleton(own) };
    if (holder === null) return { name, skeleton };
    for (let n = 2; n < SUFFIX_MAX; n++) {
      const candidate = `${prefix}${n})`;
      const candidateSkeleton = nameSkeleton(candidate);
      if (!this.heldByOther(identity, candidateSkeleton, now)) return { name: candidate, skeleton: candidateSkeleton };
    }
    return { name, skeleton };
  }

  /** A socket of `identity` now uses the name (already checked with `heldByOther`); also after a wake. */
  use(identity: string, name: string, skeleton: string): void {
    this.#count(identity, name, skeleton, 1);
  }

  /** The name's owner posted in the room: their hold is stored, once per wake, and their oldest beyond the cap released. */
  wrote(identity: string, name: string, skeleton: string, now: number): void {
    if (!isLasting(identity) || this.#stored.has(skeleton)) return;
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
      this.#sql.exec(
        `DELETE FROM names WHERE identity = ? AND skeleton NOT IN
           (SELECT skeleton FROM names WHERE identity = ? ORDER BY last_used DESC LIMIT ?)`,
        identity,
        identity,
        this.#perIdentity,
      );
      this.#stored.add(skeleton);
    } catch (error) {
      // The name stays held while its owner is here; the next message tries again.
      console.error("name-claims: a hold was not stored", error);
    }
  }

  /** A socket closed; when it was the name's last, a hold its owner earned runs from now. */
  release(identity: string, skeleton: string, now: number): void {
    const using = this.#inUse.get(skeleton);
    if (!using || using.identity !== identity) return;
    if (this.#count(identity, using.name, skeleton, -1) > 0 || !isLasting(identity)) return;
    this.#stored.delete(skeleton);
    if (!hasSchema(this.#sql)) return;
    try {
      this.#sql.exec("UPDATE names SET last_used = ? WHERE skeleton = ? AND identity = ?", now, skeleton, identity);
    } catch (error) {
      // The hold runs from the owner's last post instead.
      console.error("name-claims: a hold was not refreshed", error);
    }
  }

  /** Who uses or holds the name with this skeleton, if anyone. */
  identityOf(skeleton: string, now: number): { identity: string; name: string } | null {
    const using = this.#inUse.get(skeleton);
    if (using) return { identity: using.identity, name: using.name };
    if (!hasSchema(this.#sql)) return null;
    const row = this.#sql
      .exec<{ identity: string; name: string; last_used: number }>(
        "SELECT identity, name, last_used FROM names WHERE skeleton = ?",
        skeleton,
      )
      .toArray()[0];
    return row && now - row.last_used < this.#holdMs ? { identity: row.identity, name: row.name } : null;
  }

  /** Forgets holds that lapsed; whether any hold still lasts. */
  prune(now: number): boolean {
    if (!hasSchema(this.#sql)) return false;
    this.#sql.exec("DELETE FROM names WHERE last_used < ?", now - this.#holdMs);
    return this.#sql.exec("SELECT 1 FROM names LIMIT 1").toArray().length > 0;
  }

  /** The names this identity uses now or holds. */
  #namesOf(identity: string, now: number): string[] {
    const names = [...this.#inUse.values()].filter((using) => using.identity === identity).map((using) => using.name);
    if (!hasSchema(this.#sql)) return names;
    const rows = this.#sql.exec<{ name: string }>(
      "SELECT name FROM names WHERE identity = ? AND last_used >= ?",
      identity,
      now - this.#holdMs,
    );
    for (const row of rows) names.push(row.name);
    return names;
  }

  #count(identity: string, name: string, skeleton: string, delta: number): number {
    const sockets = (this.#inUse.get(skeleton)?.sockets ?? 0) + delta;
    if (sockets <= 0) this.#inUse.delete(skeleton);
    else this.#inUse.set(skeleton, { identity, name, sockets });
    return sockets;
  }
}
