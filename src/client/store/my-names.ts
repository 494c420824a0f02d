import { readJson, writeJson } from "./browser-store";

// The names this browser has been known by in a room: its messages under an
// older name (before "Change name") are still its own to edit and delete.
// The room holds each name for its identity, so a name here is this person's.

const KEEP = 20;

export class MyNames {
  readonly #key: string;
  readonly #names: string[];

  constructor(room: string) {
    this.#key = `parley:names:${room}`;
    const stored = readJson(this.#key);
    this.#names = Array.isArray(stored) ? stored.filter((n): n is string => typeof n === "string") : [];
  }

  add(name: string): void {
    if (this.#names.includes(name)) return;
    this.#names.push(name);
    writeJson(this.#key, this.#names.slice(-KEEP));
  }

  has(name: string): boolean {
    return this.#names.includes(name);
  }
}
