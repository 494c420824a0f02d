import type { PresenceChangeFrame, PresenceFrame } from "../shared";
import type { OnlineList } from "./session";

/** Changes in one window go out as separate frames up to this many; more are merged per event. */
const SEPARATE_FRAMES_MAX = 3;

type Change = { name: string; event: "join" | "leave"; online: OnlineList; renamedFrom?: string };

export type PresenceSources = {
  /** The online list as frames carry it (at most `listMax` names, everyone counted). */
  online(): OnlineList;
  /** How many people are online (cheaper than the list). */
  count(): number;
  emit(frames: PresenceFrame[]): void;
};
export type PresenceTiming = {
  /** Asked at each change: a bigger room may merge over a longer window. */
  windowMs: () => number;
  /** Up to this many online, each join and leave is told; above it, only the count. */
  listMax: number;
  /** Above `listMax`, a count goes at most this often. */
  countMs: number;
};

/**
 * Join and leave news. A lone change goes out at once, exactly as SPEC's
 * `presence` frame. Changes within `windowMs` of the last news wait for the
 * window to end and go out together, so a crowd arriving costs one broadcast
 * per window instead of one per person: a few as separate frames in order
 * (each with the list as it was then), more as one frame per event whose
 * `names` lists them all (`name` is the first) with the list as it is now.
 *
 * With more than `listMax` online when news would go, nobody is told one by
 * one: a `count` frame goes instead, at once if none went in the last
 * `countMs`, else when `countMs` has passed since the last, and only when the
 * count differs from the last one told (by any presence frame).
 */
export class PresenceNews {
  readonly #sources: PresenceSources;
  readonly #timing: PresenceTiming;
  #pending: Change[] = [];
  #lastSentAt = Number.NEGATIVE_INFINITY;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #lastCountAt = Number.NEGATIVE_INFINITY;
  #countTimer: ReturnType<typeof setTimeout> | undefined;
  /** The count the last presence frame told everyone. */
  #told: number | undefined;

  constructor(sources: PresenceSources, timing: PresenceTiming) {
    this.#sources = sources;
    this.#timing = timing;
  }

  /** Someone's first socket opened or last one closed: told now, or when the window ends. */
  change(name: string, event: "join" | "leave", now: number, renamedFrom?: string): void {
    if (this.#crowded()) {
      this.#countChanged(now);
      return;
    }
    const windowMs = this.#timing.windowMs();
    const renamed = renamedFrom === undefined ? {} : { renamedFrom };
    if (this.#timer === undefined && now - this.#lastSentAt >= windowMs) {
      this.#lastSentAt = now;
      this.#emit([{ type: "presence", event, name, ...this.#sources.online(), ...renamed }]);
      return;
    }
    this.#pending.push({ name, event, online: this.#sources.online(), ...renamed });
    this.#timer ??= setTimeout(() => this.flush(), Math.max(0, this.#lastSentAt + windowMs - now));
  }

  /** Sends what is waiting (as a count when the room is now too full to tell each one). */
  flush(now = Date.now()): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    const pending = this.#pending;
    if (pending.length === 0) return;
    this.#pending = [];
    this.#lastSentAt = now;
    if (this.#crowded()) {
      this.#countChanged(now);
      return;
    }
    if (pending.length <= SEPARATE_FRAMES_MAX) {
      this.#emit(
        pending.map(({ name, event, online, renamedFrom }) => ({
          type: "presence",
          event,
          name,
          ...online,
          ...(renamedFrom === undefined ? {} : { renamedFrom }),
        })),
      );
      return;
    }
    const online = this.#sources.online();
    const frames: PresenceChangeFrame[] = [];
    for (const event of ["join", "leave"] as const) {
      const names = [...new Set(pending.filter((c) => c.event === event).map((c) => c.name))];
      if (names.length > 0) frames.push({ type: "presence", event, name: names[0] as string, names, ...online });
    }
    this.#emit(frames);
  }

  #crowded(): boolean {
    return this.#sources.count() > this.#timing.listMax;
  }

  #countChanged(now: number): void {
    if (this.#countTimer !== undefined) return; // the count due at the timer's end covers this change
    const wait = this.#lastCountAt + this.#timing.countMs - now;
    if (wait <= 0) {
      this.#sendCount(now);
      return;
    }
    this.#countTimer = setTimeout(() => {
      this.#countTimer = undefined;
      this.#sendCount(Date.now());
    }, wait);
  }

  #sendCount(now: number): void {
    const onlineCount = this.#sources.count();
    // Back to a room that lists everyone: its join and leave news carries the count.
    if (onlineCount <= this.#timing.listMax || onlineCount === this.#told) return;
    this.#lastCountAt = now;
    this.#emit([{ type: "presence", event: "count", onlineCount }]);
  }

  #emit(frames: PresenceFrame[]): void {
    const last = frames.at(-1);
    if (last) this.#told = last.onlineCount;
    this.#sources.emit(frames);
  }
}
