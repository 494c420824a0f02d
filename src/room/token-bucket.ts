export type TakeResult = { ok: true } | { ok: false; retryAfterMs: number };

/** A token bucket: `capacity` tokens at once, refilled at `perSecond`. */
export class TokenBucket {
  readonly #capacity: number;
  readonly #perMs: number;
  #tokens: number;
  #updatedAt: number;

  constructor(capacity: number, perSecond: number, now: number) {
    this.#capacity = capacity;
    this.#perMs = perSecond / 1000;
    this.#tokens = capacity;
    this.#updatedAt = now;
  }

  /** Takes `cost` tokens (at most the capacity, so any cost can pass once the bucket is full). */
  take(now: number, cost = 1): TakeResult {
    this.#refill(now);
    const needed = Math.min(cost, this.#capacity);
    if (this.#tokens >= needed) {
      this.#tokens -= needed;
      return { ok: true };
    }
    return { ok: false, retryAfterMs: Math.ceil((needed - this.#tokens) / this.#perMs) };
  }

  /** Whether the bucket has refilled completely: forgetting it then changes nothing. */
  isFull(now: number): boolean {
    this.#refill(now);
    return this.#tokens >= this.#capacity;
  }

  #refill(now: number): void {
    const elapsed = Math.max(0, now - this.#updatedAt);
    this.#tokens = Math.min(this.#capacity, this.#tokens + elapsed * this.#perMs);
    this.#updatedAt = now;
  }
}
