import { readJson, writeJson } from "../store/browser-store";

// Whether the person is looking at the room, what they have read, and the
// unread count in the tab title. Away means the tab is hidden or the window
// is not focused (another window in front counts as away too).

export class Attention {
  readonly #baseTitle: string;
  readonly #readKey: string;
  readonly #onReturn: (seenBefore: number) => void;
  #unread = 0;
  #latest = 0;
  #seenBeforeAway: number | null = null;

  constructor(room: string, onReturn: (seenBefore: number) => void) {
    this.#baseTitle = `#${room} · Parley`;
    this.#readKey = `parley:read:${room}`;
    this.#onReturn = onReturn;
    document.title = this.#baseTitle;
    const check = () => (this.away() ? this.#leave() : this.#back());
    document.addEventListener("visibilitychange", check);
    addEventListener("focus", check);
    addEventListener("blur", check);
  }

  away(): boolean {
    return document.hidden || !document.hasFocus();
  }

  /** The last seq this person saw in an earlier visit (0 for none). */
  lastRead(): number {
    const value = readJson(this.#readKey);
    return typeof value === "number" ? value : 0;
  }

  /** A stored message is on the page: read if they are looking, else counted. */
  seen(seq: number, fromSomeoneElse: boolean, live: boolean): void {
    this.#latest = Math.max(this.#latest, seq);
    if (!this.away()) {
      writeJson(this.#readKey, this.#latest);
      return;
    }
    if (this.#seenBeforeAway === null) this.#seenBeforeAway = this.lastRead();
    if (fromSomeoneElse && live) {
      this.#unread++;
      document.title = `(${this.#unread}) ${this.#baseTitle}`;
    }
  }

  #leave(): void {
    if (this.#seenBeforeAway === null) this.#seenBeforeAway = this.#latest;
  }

  #back(): void {
    if (this.away()) return;
    const before = this.#seenBeforeAway;
    this.#seenBeforeAway = null;
    if (this.#unread > 0 && before !== null) this.#onReturn(before);
    this.#unread = 0;
    document.title = this.#baseTitle;
    writeJson(this.#readKey, this.#latest);
  }
}
