// A join this soon after the same person left under another name is a rename.
const RENAME_MS = 10_000;
const LAST_LEFT_MAX = 1000;

/**
 * Who left last under which name, for a moment: a join right after, by the
 * same person under another name, is a rename (one presence line, not two).
 * Sockets without a key (`e:`) are never the same person twice.
 */
export class Renames {
  readonly #lastLeft = new Map<string, { name: string; at: number }>();

  /** The name this person had just before; `stillOpen`: their other names still connected. */
  from(identity: string, name: string, stillOpen: Iterable<string>, now: number): string | undefined {
    if (identity.startsWith("e:")) return undefined;
    for (const other of stillOpen) if (other !== name) return other;
    const left = this.#lastLeft.get(identity);
    this.#lastLeft.delete(identity);
    return left && left.name !== name && now - left.at < RENAME_MS ? left.name : undefined;
  }

  left(identity: string, name: string, now: number): void {
    if (identity.startsWith("e:")) return;
    if (this.#lastLeft.size >= LAST_LEFT_MAX) this.#lastLeft.clear();
    this.#lastLeft.set(identity, { name, at: now });
  }
}
