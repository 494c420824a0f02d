/**
 * Who spoke last, for a room with more people online than it lists: names in
 * the order of their latest message. Read from storage once per wake, and only
 * when first asked (a room that lists everyone never asks); kept in memory
 * after that, so a message costs a Map update and a join no query at all.
 * At most `max` names are kept: the oldest speakers fall off the end.
 */
export class RecentSpeakers {
  readonly #seed: () => string[];
  readonly #max: number;
  // Insertion order is speaking order: the most recent speaker is last.
  #order = new Map<string, true>();
  #seeded = false;

  /** `seed`: the latest speakers in storage, most recent first. */
  constructor(seed: () => string[], max: number) {
    this.#seed = seed;
    this.#max = max;
  }

  spoke(name: string): void {
    this.#order.delete(name);
    this.#order.set(name, true);
    if (this.#order.size > this.#max) this.#order.delete(this.#order.keys().next().value as string);
  }

  /** Every name kept, the most recent speaker first. */
  newestFirst(): string[] {
    if (!this.#seeded) {
      this.#seeded = true;
      // Stored messages are older than any spoken since the wake: they go first in speaking order.
      const stored = this.#seed().filter((name) => !this.#order.has(name));
      const order = new Map<string, true>();
      for (const name of stored.slice(0, this.#max - this.#order.size).reverse()) order.set(name, true);
      for (const name of this.#order.keys()) order.set(name, true);
      this.#order = order;
    }
    return [...this.#order.keys()].reverse();
  }
}
