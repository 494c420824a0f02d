// Join and leave lines that tell the truth. The log says someone joined or
// left only when it lasts: a reload, a dropped connection or a server restart
// (everyone reconnecting one by one) says nothing. Lines that happen together
// collapse into one ("Ann, Bo and 5 others joined").

// Joins within this long of each other make one line.
const JOIN_SETTLE_MS = 1_500;
// Someone gone for less than this (a reload, a short drop) did not leave.
const LEAVE_GRACE_MS = 5_000;
// After our own reconnect, the others may still be reconnecting (their backoff is up to 10 s).
const RECONNECT_GRACE_MS = 20_000;
// Listing more names than this makes a line nobody reads.
const NAMES_LISTED = 2;

/** A rename's `names` are the name before and the name now. */
export type PresenceChange = { event: "join" | "leave" | "rename"; names: string[] };

/** "Ann joined", "Ann and Bo joined", "Ann, Bo and Cy left", "Ann, Bo and 5 others joined", "Kim is now Kimberly". */
export function presenceText({ event, names }: PresenceChange): string {
  if (event === "rename") return `${names[0]} is now ${names[1]}`;
  const verb = event === "join" ? "joined" : "left";
  if (names.length <= 1) return `${names[0] ?? "Someone"} ${verb}`;
  if (names.length === 2) return `${names[0]} and ${names[1]} ${verb}`;
  if (names.length === 3) return `${names[0]}, ${names[1]} and ${names[2]} ${verb}`;
  const others = names.length - NAMES_LISTED;
  return `${names.slice(0, NAMES_LISTED).join(", ")} and ${others} others ${verb}`;
}

/**
 * Compares who the log last said is here with who is here now, and reports a
 * difference only once it has lasted (`JOIN_SETTLE_MS`, `LEAVE_GRACE_MS`).
 */
export class PresenceLines {
  readonly #me: () => string;
  readonly #report: (change: PresenceChange) => void;
  /** Who the log has told the reader is here. Null before the first welcome. */
  #told: Set<string> | null = null;
  readonly #here = new Set<string>();
  /** Names whose state differs from what the log said, and when the difference may be told. */
  readonly #due = new Map<string, number>();
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(me: () => string, report: (change: PresenceChange) => void) {
    this.#me = me;
    this.#report = report;
  }

  /** The online list from a `welcome`. `complete`: every name is listed (not cut at the list's maximum). */
  welcome(online: string[], complete: boolean): void {
    const listed = new Set(online);
    if (this.#told === null) {
      this.#told = new Set(listed);
      for (const name of listed) this.#here.add(name);
      return;
    }
    // A reconnect: diff, and give those missing time to come back too.
    for (const name of new Set([...this.#told, ...this.#here])) {
      if (!listed.has(name) && complete) this.#set(name, false, RECONNECT_GRACE_MS);
    }
    for (const name of listed) {
      if (complete || this.#told.has(name)) this.#set(name, true, JOIN_SETTLE_MS);
      else {
        // A big room lists only some: one listed now may have been here all along, unlisted.
        this.#here.add(name);
        this.#told.add(name);
      }
    }
  }

  /** `renamedFrom`: the room says this join is that person under a new name. */
  join(name: string, renamedFrom?: string): void {
    const told = this.#told;
    if (renamedFrom === undefined || told === null || !told.has(renamedFrom) || told.has(name)) {
      this.#set(name, true, JOIN_SETTLE_MS);
      return;
    }
    // One line, at once: the old name's leave is not news.
    this.#here.delete(renamedFrom);
    this.#due.delete(renamedFrom);
    this.#due.delete(name);
    told.delete(renamedFrom);
    this.#here.add(name);
    told.add(name);
    if (name !== this.#me()) this.#report({ event: "rename", names: [renamedFrom, name] });
  }

  leave(name: string): void {
    this.#set(name, false, LEAVE_GRACE_MS);
  }

  /** The log said this person was removed (kicked or banned): they are gone as told, and a return is a join. */
  removed(name: string): void {
    this.#here.delete(name);
    this.#told?.delete(name);
    this.#due.delete(name);
  }

  /** Someone wrote: a join not yet told is told now, so it comes before their words. */
  spoke(name: string): void {
    if (!this.#due.has(name) || !this.#here.has(name)) return;
    const now = Date.now();
    for (const [other, due] of this.#due) if (this.#here.has(other) && due > now) this.#due.set(other, now);
    this.#flush();
  }

  #set(name: string, here: boolean, wait: number): void {
    if (here) this.#here.add(name);
    else this.#here.delete(name);
    if (this.#told === null || name === this.#me()) return;
    if (this.#told.has(name) === here) {
      this.#due.delete(name); // back as the log said: nothing happened
      return;
    }
    const due = Date.now() + wait;
    // A longer grace already running (after a reconnect) is kept.
    if ((this.#due.get(name) ?? 0) < due) this.#due.set(name, due);
    this.#schedule();
  }

  #schedule(): void {
    clearTimeout(this.#timer);
    if (this.#due.size === 0) return;
    const next = Math.min(...this.#due.values());
    this.#timer = setTimeout(() => this.#flush(), Math.max(0, next - Date.now()));
  }

  #flush(): void {
    const now = Date.now();
    const joined: string[] = [];
    const left: string[] = [];
    for (const [name, due] of this.#due) {
      if (due > now) continue;
      this.#due.delete(name);
      if (this.#here.has(name)) {
        this.#told?.add(name);
        joined.push(name);
      } else {
        this.#told?.delete(name);
        left.push(name);
      }
    }
    if (joined.length > 0) this.#report({ event: "join", names: joined });
    if (left.length > 0) this.#report({ event: "leave", names: left });
    this.#schedule();
  }
}
