import { DAY_MS } from "../shared";
import { ensureSchema, hasSchema } from "./log/schema";

type Member = { address: string; firstSeen: number; lastSeen: number };

/**
 * Everyone with a lasting identity (a device key or a signed-in `sub`) who
 * ever joined the room: when they first came, and the (hashed) address they
 * last came from. A ban on an address spares those who joined before it, and
 * a ban on someone offline still knows their address. A join writes only
 * for a new member, a new address, or once a day; the rest is read once per
 * wake.
 */
export class Members {
  readonly #sql: SqlStorage;
  readonly #known = new Map<string, Member>();

  constructor(sql: SqlStorage) {
    this.#sql = sql;
  }

  /** The member's record, or null for someone who never joined. */
  get(identity: string): Member | null {
    const cached = this.#known.get(identity);
    if (cached) return cached;
    if (!hasSchema(this.#sql)) return null;
    const row = this.#sql
      .exec<{ address: string; first_seen: number; last_seen: number }>(
        "SELECT address, first_seen, last_seen FROM members WHERE identity = ?",
        identity,
      )
      .toArray()[0];
    if (!row) return null;
    const member = { address: row.address, firstSeen: row.first_seen, lastSeen: row.last_seen };
    this.#known.set(identity, member);
    return member;
  }

  /** Someone joined; sockets of their own (no key) are never members. */
  joined(identity: string, address: string, now: number): void {
    if (identity.startsWith("e:")) return;
    const member = this.get(identity);
    if (member && member.address === address && now - member.lastSeen < DAY_MS) return;
    const next = { address, firstSeen: member?.firstSeen ?? now, lastSeen: now };
    try {
      ensureSchema(this.#sql);
      this.#sql.exec(
        `INSERT INTO members (identity, address, first_seen, last_seen) VALUES (?, ?, ?, ?)
         ON CONFLICT (identity) DO UPDATE SET address = excluded.address, last_seen = excluded.last_seen`,
        identity,
        address,
        next.firstSeen,
        next.lastSeen,
      );
      this.#known.set(identity, next);
    } catch (error) {
      // Only weakens an address ban for this person's next visit: the join goes on.
      console.error("members: a member was not recorded", error);
    }
  }
}
