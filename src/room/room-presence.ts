import { type BatchableFrame, LIMITS } from "../shared";
import { PresenceNews } from "./presence";
import { RecentSpeakers } from "./recent-speakers";
import { Renames } from "./renames";
import type { RoomSocket, Roster } from "./roster";
import type { OnlineList, Session } from "./session";

// Presence news within this long of the last are merged (a crowd joining); each news goes to
// everyone, so a bigger room merges over a longer window (1 ms a socket, up to 1 s): a crowd's
// joins then cost O(N) sends in all, not O(N) per 100 ms.
const PRESENCE_WINDOW_MS = 100;
const PRESENCE_WINDOW_MS_PER_SOCKET = 1;
const PRESENCE_WINDOW_MAX_MS = 1000;
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
      Math.min(PRESENCE_WINDOW_MAX_MS, Math.max(PRESENCE_WINDOW_MS, roster.size * PRESENCE_WINDOW_MS_PER_SOCKET));
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
