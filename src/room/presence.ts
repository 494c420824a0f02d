import type { PresenceFrame } from "../shared";
import type { OnlineList } from "./session";

/** Changes in one window go out as separate frames up to this many; more are merged per event. */
const SEPARATE_FRAMES_MAX = 3;

type Change = { name: string; event: "join" | "leave"; online: OnlineList; renamedFrom?: string };

/**
 * Join and leave news. A lone change goes out at once, exactly as SPEC's
 * `presence` frame. Changes within `windowMs` of the last news wait for the
 * window to end and go out together, so a crowd arriving costs one broadcast
 * per window instead of one per person: a few as separate frames in order
 * (each with the list as it was then), more as one frame per event whose
 * `names` lists them all (`name` is the first) with the list as it is now.
 */
export class PresenceNews {
  readonly #emit: (frames: PresenceFrame[]) => void;
  readonly #online: () => OnlineList;
  readonly #windowMs: () => number;
  #pending: Change[] = [];
  #lastSentAt = Number.NEGATIVE_INFINITY;
  #timer: ReturnType<typeof setTimeout> | undefined;

  /** `windowMs` is asked at each change: a bigger room may merge over a longer window. */
  constructor(windowMs: number | (() => number), online: () => OnlineList, emit: (frames: PresenceFrame[]) => void) {
    this.#windowMs = typeof windowMs === "number" ? () => windowMs : windowMs;
    this.#online = online;
    this.#emit = emit;
  }

  /** Someone's first socket opened or last one closed: told now, or when the window ends. */
  change(name: string, event: "join" | "leave", now: number, renamedFrom?: string): void {
    const windowMs = this.#windowMs();
    const renamed = renamedFrom === undefined ? {} : { renamedFrom };
    if (this.#timer === undefined && now - this.#lastSentAt >= windowMs) {
      this.#lastSentAt = now;
      this.#emit([{ type: "presence", event, name, ...this.#online(), ...renamed }]);
      return;
    }
    this.#pending.push({ name, event, online: this.#online(), ...renamed });
    this.#timer ??= setTimeout(() => this.flush(), Math.max(0, this.#lastSentAt + windowMs - now));
  }

  /** Sends what is waiting. */
  flush(now = Date.now()): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    const pending = this.#pending;
    if (pending.length === 0) return;
    this.#pending = [];
    this.#lastSentAt = now;
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
    const online = this.#online();
    const frames: PresenceFrame[] = [];
    for (const event of ["join", "leave"] as const) {
      const names = [...new Set(pending.filter((c) => c.event === event).map((c) => c.name))];
      if (names.length > 0) frames.push({ type: "presence", event, name: names[0] as string, names, ...online });
    }
    this.#emit(frames);
  }
}
