/**
 * One device link: a single-use code that hands this browser's device key to
 * another browser (SPEC "One person, several devices"). One DeviceLink object
 * per code (the worker names it by the code), so a code is redeemed once even
 * when two browsers open it at the same moment. The key is kept only until the
 * code is used or expires; what is left (that it was used, or that it expired)
 * is kept a day so a late visitor is told which, then deleted by an alarm.
 */
import { DurableObject } from "cloudflare:workers";

/** How long a link may be used. */
export const LINK_TTL_MS = 10 * 60_000;
// How long "used" or "expired" is remembered after the link's end.
const REMEMBER_MS = 24 * 60 * 60_000;
const KEY = "link";

type Stored = { key: string; expiresAt: number } | { ended: "used" | "expired"; expiresAt: number };

export type Redeemed = { ok: true; key: string } | { ok: false; reason: "used" | "expired" | "unknown" };

export class DeviceLink extends DurableObject<Env> {
  /** Keeps `key` under this code until `expiresAt`; false when the code was ever given out before. */
  async create(key: string, expiresAt: number): Promise<boolean> {
    const kv = this.ctx.storage.kv;
    if (kv.get<Stored>(KEY) !== undefined) return false;
    kv.put(KEY, { key, expiresAt } satisfies Stored);
    await this.ctx.storage.setAlarm(expiresAt);
    return true;
  }

  /** The device key, once; afterwards why not. */
  async redeem(): Promise<Redeemed> {
    const kv = this.ctx.storage.kv;
    const link = kv.get<Stored>(KEY);
    if (link === undefined) return { ok: false, reason: "unknown" };
    if ("ended" in link) return { ok: false, reason: link.ended };
    const ended = Date.now() >= link.expiresAt ? "expired" : "used";
    kv.put(KEY, { ended, expiresAt: link.expiresAt } satisfies Stored);
    await this.ctx.storage.setAlarm(link.expiresAt + REMEMBER_MS);
    return ended === "used" ? { ok: true, key: link.key } : { ok: false, reason: "expired" };
  }

  /** At the link's end the key goes; a day later, everything. */
  override async alarm(): Promise<void> {
    const kv = this.ctx.storage.kv;
    const link = kv.get<Stored>(KEY);
    if (link !== undefined && "key" in link) {
      kv.put(KEY, { ended: "expired", expiresAt: link.expiresAt } satisfies Stored);
      await this.ctx.storage.setAlarm(link.expiresAt + REMEMBER_MS);
      return;
    }
    await this.ctx.storage.deleteAll();
  }
}
