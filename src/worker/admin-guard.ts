/**
 * Wrong `ADMIN_TOKEN`s from one client address, counted where every isolate
 * sees the same count: one AdminGuard per hashed address (the worker names it
 * by the hash, never by the address). A minute starts at the first wrong token;
 * past WRONG_TOKENS_PER_MINUTE in it, every admin request from that address is
 * refused until the minute ends, a right token too, so a guess that hits looks
 * like one that missed. The count is stored, so an eviction forgives nothing,
 * and an alarm deletes it when its minute ends.
 */
import { DurableObject } from "cloudflare:workers";

export const WRONG_TOKENS_PER_MINUTE = 10;
const MINUTE_MS = 60_000;
const KEY = "window";

/** How the worker answers an admin request: carry it out, 401, or 429. */
export type AdminAttempt =
  | { verdict: "admitted" }
  | { verdict: "unauthorized" }
  | { verdict: "limited"; retryAfterSeconds: number };

type Window = { endsAt: number; wrong: number };

export class AdminGuard extends DurableObject<Env> {
  /** Counts one admin request, whose token was right or not, and says how to answer it. */
  async attempt(tokenIsRight: boolean): Promise<AdminAttempt> {
    const now = Date.now();
    const stored = this.ctx.storage.kv.get<Window>(KEY);
    const open = stored !== undefined && stored.endsAt > now ? stored : undefined;
    if (open && open.wrong > WRONG_TOKENS_PER_MINUTE) return limited(open, now);
    if (tokenIsRight) return { verdict: "admitted" };
    const window = { endsAt: open?.endsAt ?? now + MINUTE_MS, wrong: (open?.wrong ?? 0) + 1 };
    this.ctx.storage.kv.put(KEY, window);
    if (!open) await this.ctx.storage.setAlarm(window.endsAt);
    return window.wrong > WRONG_TOKENS_PER_MINUTE ? limited(window, now) : { verdict: "unauthorized" };
  }

  override async alarm(): Promise<void> {
    const window = this.ctx.storage.kv.get<Window>(KEY);
    // A minute that started after this alarm was set keeps its own alarm.
    if (window !== undefined && window.endsAt > Date.now()) await this.ctx.storage.setAlarm(window.endsAt);
    else await this.ctx.storage.deleteAll();
  }
}

function limited(window: Window, now: number): AdminAttempt {
  return { verdict: "limited", retryAfterSeconds: Math.max(1, Math.ceil((window.endsAt - now) / 1000)) };
}
