// What a screen reader hears: new messages and presence lines, politely and
// one at a time, never the history loaded on join. The log itself is
// aria-live="off" so that a page of history is not read out.

const SHOW_EACH_MS = 1_500;
// A flood becomes one summary rather than a minute of reading.
const QUEUE_MAX = 4;

export class Announcer {
  readonly #region: HTMLElement;
  readonly #queue: string[] = [];
  #skipped = 0;
  #busy = false;

  constructor(region: HTMLElement) {
    this.#region = region;
  }

  say(text: string): void {
    if (this.#queue.length >= QUEUE_MAX) this.#skipped++;
    else this.#queue.push(text);
    if (!this.#busy) this.#next();
  }

  #next(): void {
    let text = this.#queue.shift();
    if (text === undefined && this.#skipped > 0) {
      text = `${this.#skipped} more new messages`;
      this.#skipped = 0;
    }
    if (text === undefined) {
      this.#busy = false;
      return;
    }
    this.#busy = true;
    this.#region.textContent = text;
    setTimeout(() => this.#next(), SHOW_EACH_MS);
  }
}
