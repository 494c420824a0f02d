import type { BanEntry, Role } from "../../shared";
import type { Session } from "../session";
import type { RoomRules } from "./room-rules";
import { ensureSchema, hasSchema } from "./schema";

export type Ban = {
  identity: string;
  skeleton: string;
  name: string;
  until: number | null;
  /** The banned person's address, hashed ("" when unknown). */
  address: string;
  by: string;
  ts: number;
};

/**
 * Who may moderate a room, and who is banned from it. The owner (device
 * mode) is the first device identity to join, kept in `meta`; signed-in
 * moderators carry the role in their token, and lose it when the token they
 * joined with expires. Roles and bans are checked on every action.
 */
export class Moderation {
  readonly #sql: SqlStorage;
  readonly #rules: RoomRules;
  #owner: string | null | undefined;

  constructor(sql: SqlStorage, rules: RoomRules) {
    this.#sql = sql;
    this.#rules = rules;
  }

  owner(): string | null {
    if (this.#owner === undefined) {
      this.#owner = hasSchema(this.#sql)
        ? (this.#sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = 'owner'").toArray()[0]?.value ?? null)
        : null;
    }
    return this.#owner;
  }

  /** In device mode the first device to join owns the room; signed-in rooms have moderators instead. */
  claimOwnership(identity: string): void {
    if (!identity.startsWith("d:") || this.owner() !== null) return;
    try {
      ensureSchema(this.#sql);
      this.#sql.exec("INSERT OR IGNORE INTO meta (key, value) VALUES ('owner', ?)", identity);
      this.#owner = identity;
      this.ownerSeen(Date.now());
    } catch (error) {
      // The join goes on; the next device to join claims the room.
      console.error("moderation: the room's owner was not stored", error);
    }
  }

  /** The owner was here until `now`: an empty room is kept for them a name hold's time from their last visit. */
  ownerSeen(now: number): void {
    try {
      this.#sql.exec("INSERT OR REPLACE INTO meta (key, value) VALUES ('owner_seen', ?)", now);
    } catch (error) {
      // The room is kept from the owner's earlier visit instead.
      console.error("moderation: the owner's visit was not stored", error);
    }
  }

  /** When the owner was last here (0 when the room has no owner). */
  ownerLastSeen(): number {
    if (this.owner() === null) return 0;
    return (
      this.#sql.exec<{ value: number }>("SELECT value FROM meta WHERE key = 'owner_seen'").toArray()[0]?.value ?? 0
    );
  }

  /** The room's storage was wiped. */
  forget(): void {
    this.#owner = undefined;
    this.#rules.forget();
  }

  roleOf(session: Pick<Session, "identity" | "role" | "roleUntil">, now: number): Role {
    if (session.identity === this.owner()) return "owner";
    if (this.#rules.isAppointed(session.identity)) return "moderator";
    if (session.role === "moderator" && (session.roleUntil === undefined || now < session.roleUntil))
      return "moderator";
    return "member";
  }

  ban(ban: Ban): void {
    ensureSchema(this.#sql);
    this.#sql.exec(
      "INSERT OR REPLACE INTO bans (identity, skeleton, name, until, address, by, ts) VALUES (?, ?, ?, ?, ?, ?, ?)",
      ban.identity,
      ban.skeleton,
      ban.name,
      ban.until,
      ban.address,
      ban.by,
      ban.ts,
    );
  }

  /**
   * When the earliest ban in force on this address began, or null when none
   * is: identities that first joined after it are refused from that address.
   */
  addressBannedSince(address: string, now: number): number | null {
    if (address === "" || !hasSchema(this.#sql)) return null;
    const row = this.#sql
      .exec<{ ts: number | null }>(
        "SELECT MIN(ts) AS ts FROM bans WHERE address = ? AND (until IS NULL OR until > ?)",
        address,
        now,
      )
      .toArray()[0];
    return row?.ts ?? null;
  }

  /** Forgets lapsed bans; whether any ban is still in force. */
  prune(now: number): boolean {
    if (!hasSchema(this.#sql)) return false;
    this.#sql.exec("DELETE FROM bans WHERE until IS NOT NULL AND until <= ?", now);
    return this.#sql.exec("SELECT 1 FROM bans LIMIT 1").toArray().length > 0;
  }

  /** Whether anyone going by this name is banned. */
  hasBan(skeleton: string): boolean {
    if (!hasSchema(this.#sql)) return false;
    return this.#sql.exec("SELECT 1 FROM bans WHERE skeleton = ? LIMIT 1", skeleton).toArray().length > 0;
  }

  /** The bans in force, oldest first. */
  bans(now: number): BanEntry[] {
    if (!hasSchema(this.#sql)) return [];
    return this.#sql
      .exec<BanEntry>("SELECT name, until, by, ts FROM bans WHERE until IS NULL OR until > ? ORDER BY ts, name", now)
      .toArray()
      .map(({ name, until, by, ts }) => ({ name, until, by, ts }));
  }

  /** Lifts the bans on a name. */
  unban(skeleton: string): void {
    this.#sql.exec("DELETE FROM bans WHERE skeleton = ?", skeleton);
  }

  /** When this identity's ban ends (null: when lifted), or undefined when it is not banned. */
  banEnds(identity: string, now: number): number | null | undefined {
    if (!this.isBanned(identity, now)) return undefined;
    return this.#sql.exec<{ until: number | null }>("SELECT until FROM bans WHERE identity = ?", identity).one().until;
  }

  /** Whether the identity is banned now; a lapsed ban is forgotten. */
  isBanned(identity: string, now: number): boolean {
    if (!hasSchema(this.#sql)) return false;
    const ban = this.#sql
      .exec<{ until: number | null }>("SELECT until FROM bans WHERE identity = ?", identity)
      .toArray()[0];
    if (!ban) return false;
    if (ban.until === null || now < ban.until) return true;
    try {
      this.#sql.exec("DELETE FROM bans WHERE identity = ?", identity);
    } catch (error) {
      // Only tidying: a lapsed ban refuses no one.
      console.error("moderation: a lapsed ban was not removed", error);
    }
    return false;
  }
}
