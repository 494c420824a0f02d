import { type ModerationRequest, parseClientMessage } from "../../shared";

/** Where the outbox is kept: localStorage on the page (read defensively, never throwing), a Map in tests. */
export type JsonStore = { read(key: string): unknown; write(key: string, value: unknown): void };

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** A change to the room's log this person asked for: it waits its turn behind their messages. */
export type Change =
  | { type: "edit"; target: number; text: string }
  | { type: "delete"; target: number }
  | ({ type: "moderate" } & ModerationRequest)
  | { type: "react"; target: number; emoji: string; on: boolean };

/** One message (or change) this person wrote that the room has not acknowledged yet. */
export type OutboxEntry = {
  id: string;
  /** The message's words ("" for a change). */
  text: string;
  /** Present for an edit, a deletion, a reaction or a moderation, absent for a new message. */
  change?: Change;
  /** The seq of the message this one answers. */
  replyTo?: number;
  /** When it was written, by this browser's clock (the room's clock replaces it once stored). */
  ts: number;
  state: "pending" | "failed";
  /** Why the room refused it, in its words. */
  error?: string;
  /** A failure that may pass on another try (the room could not store it), so Retry makes sense. */
  retryable?: boolean;
  /** A `not_stored` refusal is retried by itself once before it is shown as failed. */
  autoRetried?: boolean;
};

function parseEntry(v: unknown): OutboxEntry | null {
  if (!isRecord(v)) return null;
  const { id, text, ts, state, error, retryable } = v;
  if (typeof id !== "string" || typeof text !== "string" || typeof ts !== "number") return null;
  if (state !== "pending" && state !== "failed") return null;
  const entry: OutboxEntry = { id, text, ts, state };
  if (v.change !== undefined) {
    const change = parseChange(v.change);
    if (!change) return null;
    entry.change = change;
  }
  if (typeof error === "string") entry.error = error;
  if (retryable === true) entry.retryable = true;
  if (isTarget(v.replyTo)) entry.replyTo = v.replyTo;
  return entry;
}

const isTarget = (v: unknown): v is number => typeof v === "number" && Number.isSafeInteger(v) && v >= 0;

function parseChange(v: unknown): Change | null {
  if (!isRecord(v)) return null;
  if (v.type === "edit" && isTarget(v.target) && typeof v.text === "string") {
    return { type: "edit", target: v.target, text: v.text };
  }
  if (v.type === "delete" && isTarget(v.target)) return { type: "delete", target: v.target };
  if (v.type === "react" && isTarget(v.target) && typeof v.emoji === "string" && typeof v.on === "boolean") {
    return { type: "react", target: v.target, emoji: v.emoji, on: v.on };
  }
  if (v.type !== "moderate") return null;
  // What was kept is read as the room would read it.
  const parsed = parseClientMessage(JSON.stringify({ ...v, id: "kept" }));
  if (!parsed.ok || parsed.value.type !== "moderate") return null;
  const { id: _id, ...change } = parsed.value;
  return change;
}

function load(store: JsonStore, key: string): OutboxEntry[] {
  const raw = store.read(key);
  return Array.isArray(raw) ? raw.map(parseEntry).filter((e): e is OutboxEntry => e !== null) : [];
}

/**
 * The messages not yet stored by the room, first written first, kept in
 * localStorage per room so that a reload, a closed tab or a browser restart
 * loses nothing: they are sent again with their original ids, and the room
 * stores each id once.
 *
 * Each change re-reads storage and changes only its own entry, so two tabs of
 * one room do not erase each other's messages.
 */
export class Outbox {
  readonly #store: JsonStore;
  readonly #key: string;
  readonly #entries: OutboxEntry[];

  constructor(room: string, store: JsonStore) {
    this.#store = store;
    this.#key = `parley:outbox:${room}`;
    this.#entries = load(store, this.#key);
  }

  /** In the order they were written. */
  entries(): readonly OutboxEntry[] {
    return this.#entries;
  }

  get(id: string): OutboxEntry | undefined {
    return this.#entries.find((e) => e.id === id);
  }

  /** The next one to send: the oldest pending (failed ones wait for the person). */
  next(): OutboxEntry | undefined {
    return this.#entries.find((e) => e.state === "pending");
  }

  hasUnsent(): boolean {
    return this.#entries.length > 0;
  }

  add(entry: OutboxEntry): void {
    this.#entries.push(entry);
    this.#persist(entry.id, entry);
  }

  /** Saves an entry changed in place. */
  update(entry: OutboxEntry): void {
    this.#persist(entry.id, entry);
  }

  remove(id: string): void {
    const index = this.#entries.findIndex((e) => e.id === id);
    if (index >= 0) this.#entries.splice(index, 1);
    this.#persist(id, null);
  }

  #persist(id: string, entry: OutboxEntry | null): void {
    const stored = load(this.#store, this.#key);
    const index = stored.findIndex((e) => e.id === id);
    if (entry === null) {
      if (index >= 0) stored.splice(index, 1);
    } else {
      // The quiet retry is per visit: after a reload the room gets another chance.
      const { autoRetried: _, ...kept } = entry;
      if (index >= 0) stored[index] = kept;
      else stored.push(kept);
    }
    this.#store.write(this.#key, stored);
  }
}
