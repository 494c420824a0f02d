import { type CatchupRequest, LIMITS, type LogEvent, type OlderRequest, type SearchRequest } from "../shared";
import type { Connections } from "./connections";
import type { MessageSearch } from "./log/message-search";
import type { MessageStore, Page } from "./log/message-store";
import type { RoomSocket } from "./roster";
import type { Session } from "./session";
import type { Traffic } from "./traffic";

/**
 * What a socket is sent of the room's past: the page its welcome carries,
 * the `catchup` pages after it, and `older` pages for scrolling up.
 *
 * Invariants: a catch-up goes on only from exactly where its last page
 * ended, and only while the socket is catching up, so no page is sent twice;
 * every answer counts, in the bytes the room sends, against the socket's
 * history budget; past it the request is refused with when to ask again.
 */
export class HistoryAnswers {
  readonly #store: MessageStore;
  readonly #connections: Connections;
  readonly #traffic: Traffic;
  readonly #bytesPerMinute: number;

  readonly #search: MessageSearch;

  constructor(
    store: MessageStore,
    search: MessageSearch,
    connections: Connections,
    traffic: Traffic,
    bytesPerMinute: number,
  ) {
    this.#store = store;
    this.#search = search;
    this.#connections = connections;
    this.#traffic = traffic;
    this.#bytesPerMinute = bytesPerMinute;
  }

  /** The welcome's page: the events after `since`, else the latest messages; `catchupFrom` set when more follow. */
  welcome(ws: RoomSocket, session: Session, since: number | undefined, now: number): Page<LogEvent> {
    const page = since === undefined ? this.#store.latest(LIMITS.historyOnJoin) : this.#store.after(since);
    // The first page always fits a fresh budget; it counts against what follows.
    this.#traffic.history(ws, page.bytes, now);
    // The rest comes in `catchup` pages; live events would land in its gap.
    if (page.more) session.catchupFrom = page.items.at(-1)?.seq ?? since ?? 0;
    return page;
  }

  /** The next page of a catch-up; the last one releases the socket to live events. */
  catchup(ws: RoomSocket, session: Session, frame: CatchupRequest): void {
    const from = session.catchupFrom;
    if (from === undefined || frame.since !== from) {
      const why =
        from === undefined
          ? "this socket is not catching up: every event reaches it live"
          : `catch-up goes on from seq ${from}, where the last page ended`;
      this.#connections.sendError(ws, "bad_message", why, frame.id);
      return;
    }
    const page = this.#store.after(from);
    if (!this.#allowed(ws, page.bytes, frame.id)) return;
    this.#connections.sendTo(ws, {
      type: "catchup",
      id: frame.id,
      history: page.items,
      lastSeq: this.#store.lastSeq,
      more: page.more,
    });
    if (page.more) session.catchupFrom = page.items.at(-1)?.seq ?? from;
    else delete session.catchupFrom;
    this.#connections.catchingUp(ws, session);
  }

  /** The stored events after `after`, up to `upTo`, page by page (a shard filling a gap in its stream). */
  between(after: number, upTo: number): LogEvent[] {
    const events: LogEvent[] = [];
    for (let from = after; from < upTo; ) {
      const page = this.#store.after(from);
      for (const event of page.items) if (event.seq <= upTo) events.push(event);
      const last = page.items.at(-1)?.seq;
      if (!page.more || last === undefined) break;
      from = last;
    }
    return events;
  }

  /** Earlier messages, for scrolling up: read through the seq index, never the whole table. */
  older(ws: RoomSocket, frame: OlderRequest): void {
    const page = this.#store.before(frame.before, frame.limit);
    if (!this.#allowed(ws, page.bytes, frame.id)) return;
    this.#connections.sendTo(ws, { type: "older", id: frame.id, messages: page.items, more: page.more });
  }

  /** Messages matching a query, newest first: read through the search index, counted as history. */
  search(ws: RoomSocket, frame: SearchRequest): void {
    const page = this.#search.search(frame.q, frame.before ?? Number.MAX_SAFE_INTEGER, frame.limit);
    if (!this.#allowed(ws, page.bytes, frame.id)) return;
    this.#connections.sendTo(ws, { type: "search", id: frame.id, messages: page.items, more: page.more });
  }

  #allowed(ws: RoomSocket, bytes: number, id: string): boolean {
    const taken = this.#traffic.history(ws, bytes, Date.now());
    if (taken.ok) return true;
    const why = `at most ${this.#bytesPerMinute} bytes of history a minute on one connection`;
    this.#connections.sendError(ws, "rate_limited", why, id, taken.retryAfterMs);
    return false;
  }
}
