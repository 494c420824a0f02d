import { type BatchableFrame, LIMITS } from "../shared";
import { PresenceNews } from "./presence";
import { RecentSpeakers } from "./recent-speakers";
import { Renames } from "./renames";
import type { RoomSocket, Roster } from "./roster";
import type { OnlineList, Session } from "./session";

// Presence news within this long of the last are merged (a crowd joining). Each news goes to
// every socket and carries the list, so one costs O(N^2) characters: the window grows as the
// square of the room (100 ms at 100 sockets, 1 s at 316, 2.5 s at 500; above 500 people only
// counts go, at most every 5 s), and a crowd's news costs the same whatever the room's size.
const PRESENCE_WINDOW_MS = 100;
const SOCKETS_SQUARED_PER_MS = 100;
const PRESENCE_WINDOW_MAX_MS = 2500;
// Who spoke last is listed first when not everyone fits: this many speakers are kept.
const SPEAKERS_KEPT = 4 * LIMITS.onlineListMax;

/**
 * Who is online as the room tells it: the list (everyone while all fit, else
 * who spoke last first), and the news of people coming and going (one by one,
 * merged in a crowd, or as a count past SPEC's 500), renames told as one line.
 */
export class RoomPresence {
  readonly #roster: Roster;
  readonly #speakers: RecentSpeakers;
  readonly #news: PresenceNews;
  readonly #renames = new Renames();

  constructor(
    roster: Roster,
    speakers: () => string[],
    broadcast: (frame: BatchableFrame, except?: ReadonlySet<RoomSocket>) => void,
  ) {
    this.#roster = roster;
    this.#speakers = new RecentSpeakers(speakers, SPEAKERS_KEPT);
    const windowMs = () =>
      Math.min(PRESENCE_WINDOW_MAX_MS, Math.max(PRESENCE_WINDOW_MS, roster.size ** 2 / SOCKETS_SQUARED_PER_MS));
    this.#news = new PresenceNews(
      {
        online: () => this.online(),
        count: () => roster.people,
        // Nobody is told of their own coming and going (a merged crowd's frame and a count go to all).
        emit: (frames) => {
          for (const frame of frames) {
            broadcast(frame, frame.event === "count" || frame.names ? undefined : roster.socketsOf(frame.name));
          }
        },
      },
      { windowMs, listMax: LIMITS.onlineListMax, countMs: LIMITS.presenceCountMs },
    );
  }

  /** Everyone while all fit in the list; else those who spoke last first (SPEC). */
  online(): OnlineList {
    return this.#roster.online(LIMITS.onlineListMax, () => this.#speakers.newestFirst());
  }

  /** Someone's message was stored: they are now the last to have spoken. */
  spoke(name: string): void {
    this.#speakers.spoke(name);
    if (this.#roster.people > LIMITS.onlineListMax) this.#roster.reorder();
  }

  /** A person's first socket opened; `others`: the names their other sockets go by (a rename). */
  joined(session: Session, others: string[], now: number): void {
    this.#news.change(session.name, "join", now, this.#renames.from(session.identity, session.name, others, now));
  }

  /** A person's last socket under this name closed. */
  left(session: Session, now: number): void {
    this.#news.change(session.name, "leave", now);
    this.#renames.left(session.identity, session.name, now);
  }
}
