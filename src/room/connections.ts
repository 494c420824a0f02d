import {
  type BatchableFrame,
  CLOSE_CODES,
  type ErrorCode,
  type ErrorFrame,
  LIMITS,
  type WelcomeFrame,
} from "../shared";
import { Backlog } from "./backlog";
import { DeliveryLag } from "./delivery-lag";
import { Fanout } from "./fanout";
import { PresenceNews } from "./presence";
import { Roster } from "./roster";
import { type OnlineList, readSession, type Session, writeSession } from "./session";

// Presence news within this long of the last are merged (a crowd joining); each news goes to
// everyone, so a bigger room merges over a longer window (1 ms a socket, up to 1 s): a crowd's
// joins then cost O(N) sends in all, not O(N) per 100 ms.
const PRESENCE_WINDOW_MS = 100;
const PRESENCE_WINDOW_MS_PER_SOCKET = 1;
const PRESENCE_WINDOW_MAX_MS = 1000;
// A reader that reports but has been silent this long with a report's worth unread has stopped reading.
const STALLED_AFTER_MS = LIMITS.idleTimeoutMs / 2;

export type ConnectionHooks = {
  /** A socket that was open before the room woke; its session as its attachment kept it. */
  restored(session: Session): void;
  /** A socket is gone (closed by either side); its person may have other sockets still. */
  departed(session: Session, now: number): void;
  /** A flush delivered this many events with a seq to this many sockets; its oldest frame had waited `lagMs`. */
  flushed(events: number, sockets: number, lagMs: number): void;
};

// A join this soon after the same person left under another name is a rename.
const RENAME_MS = 10_000;
const LAST_LEFT_MAX = 1000;
/**
 * Every socket of a room and all that is kept per socket: who it is (the
 * roster, rebuilt from attachments on wake), what is queued for it (fanout),
 * how far behind its reader is (backlog, delivery lag), and the presence news
 * its coming and going makes. Hibernation stays behind this one interface.
 *
 * Invariants: every frame queued for a socket is sent before the room closes
 * it, for any reason; a socket departs once, however its end is reported; a
 * person's leave is announced only when their last socket goes.
 */
export class Connections {
  readonly #hooks: ConnectionHooks;
  readonly #roster: Roster;
  readonly #fanout: Fanout;
  readonly #backlog = new Backlog(LIMITS.backlogCharsMax, 4 * LIMITS.backlogCharsMax);
  readonly #lag = new DeliveryLag({ reportMs: LIMITS.receivedReportMs, forgetAfterMs: LIMITS.idleTimeoutMs });
  readonly #presence: PresenceNews;
  readonly #departed = new WeakSet<WebSocket>();
  /** Who left last under which name, for a moment: a join right after under another name is a rename. */
  readonly #lastLeft = new Map<string, { name: string; at: number }>();
  // Sockets whose reader fell too far behind: closed with 1013 once the flush is done.
  readonly #behind = new WeakSet<WebSocket>();

  constructor(sockets: WebSocket[], hooks: ConnectionHooks) {
    this.#hooks = hooks;
    this.#fanout = new Fanout(
      {
        sockets: () => this.#roster.sockets(),
        socketCount: () => this.#roster.size,
        beforeFlush: () => this.#backlog.measure(this.#roster.sockets()),
        send: (ws, payload) => this.#trySend(ws, payload),
        // Closing flushes what is queued for that socket, which may fail and close again: `#departed` ends it.
        failed: (failed) => {
          for (const ws of failed) {
            if (this.#behind.has(ws)) this.close(ws, CLOSE_CODES.tryAgainLater, "too far behind");
            else this.close(ws, CLOSE_CODES.internalError, "send failed");
          }
        },
        flushed: (events, sockets, lagMs) => hooks.flushed(events, sockets, lagMs),
      },
      {
        flushCharsMax: LIMITS.flushCharsMax,
        flushSendCharsMax: LIMITS.flushSendCharsMax,
        flushCharsMin: LIMITS.flushCharsMin,
      },
    );
    const open: [WebSocket, Session][] = [];
    for (const ws of sockets) {
      const session = readSession(ws);
      if (!session || ws.readyState !== WebSocket.OPEN) continue;
      open.push([ws, session]);
      hooks.restored(session);
      if (session.catchupFrom !== undefined) this.#fanout.hold(ws);
    }
    this.#roster = Roster.from(open);
    this.#presence = new PresenceNews(
      () =>
        Math.min(
          PRESENCE_WINDOW_MAX_MS,
          Math.max(PRESENCE_WINDOW_MS, this.#roster.size * PRESENCE_WINDOW_MS_PER_SOCKET),
        ),
      () => this.online(),
      // Nobody is told of their own coming and going (a merged crowd's frame goes to all).
      (frames) => {
        for (const frame of frames) this.broadcast(frame, frame.names ? undefined : this.#roster.socketsOf(frame.name));
      },
    );
  }

  get size(): number {
    return this.#roster.size;
  }

  fromAddress(address: string): number {
    return this.#roster.fromAddress(address);
  }

  /** The socket's session: the roster's, or its attachment's for a socket the roster lost. */
  session(ws: WebSocket): Session | null {
    return this.#roster.get(ws) ?? readSession(ws);
  }

  online(): OnlineList {
    return this.#roster.online(LIMITS.onlineListMax);
  }

  /** A person's sessions, one per open socket. */
  *sessionsOf(identity: string): Iterable<[WebSocket, Session]> {
    for (const entry of [...this.#roster.entries()]) if (entry[1].identity === identity) yield entry;
  }

  isConnected(identity: string): boolean {
    for (const _ of this.sessionsOf(identity)) return true;
    return false;
  }

  /**
   * A new socket: what is queued now is for the sockets already here (its
   * welcome's history covers it); one still catching up gets no live events
   * until `caughtUp`. Sends the welcome at once, ahead of anything queued.
   */
  add(ws: WebSocket, session: Session, welcome: Omit<WelcomeFrame, "online" | "onlineCount">, now: number): void {
    this.#fanout.join(ws);
    this.#backlog.start(ws);
    if (session.catchupFrom !== undefined) this.#fanout.hold(ws);
    writeSession(ws, session);
    const first = this.#roster.add(ws, session);
    if (!this.#trySend(ws, JSON.stringify({ ...welcome, ...this.online() } satisfies WelcomeFrame))) {
      this.close(ws, CLOSE_CODES.internalError, "send failed");
      return;
    }
    if (first) this.#presence.change(session.name, "join", now, this.#renamedFrom(ws, session, now));
  }

  /**
   * The name this person had just before, when this join is a rename: their
   * other name is still open (the old socket closes next) or closed moments ago.
   */
  #renamedFrom(ws: WebSocket, session: Session, now: number): string | undefined {
    if (session.identity.startsWith("e:")) return undefined;
    for (const [other, { name }] of this.sessionsOf(session.identity)) {
      if (other !== ws && name !== session.name) return name;
    }
    const left = this.#lastLeft.get(session.identity);
    this.#lastLeft.delete(session.identity);
    return left && left.name !== session.name && now - left.at < RENAME_MS ? left.name : undefined;
  }

  /** The socket's catch-up moved on (`catchupFrom` set) or ended: stored, and live events flow again at its end. */
  catchingUp(ws: WebSocket, session: Session): void {
    writeSession(ws, session);
    if (session.catchupFrom === undefined) this.#fanout.release(ws);
  }

  /** The reader's report of all it has received; a claim of more than it was sent closes it. */
  received(ws: WebSocket, chars: number, now: number): void {
    if (!this.#backlog.received(ws, chars, now)) {
      this.close(ws, CLOSE_CODES.policyViolation, "reported reading more than was sent");
      return;
    }
    this.#lag.received(ws, this.#backlog.behind(ws), now);
  }

  /** A frame from a client was handled (it paces flushes when the runtime holds timer ticks back). */
  incoming(): void {
    this.#fanout.incoming();
  }

  /** How late the room's deliveries are: its own queue, or its readers, whichever is later. */
  lagMs(now: number): number {
    return Math.max(this.#fanout.lagMs(now), this.#lag.lagMs(now));
  }

  /** Whether a reader that reports has stopped reading: silent for a while with frames unread. */
  stalled(ws: WebSocket, now: number): boolean {
    return this.#backlog.stalled(ws, now, STALLED_AFTER_MS, LIMITS.receivedReportChars);
  }

  sendTo(ws: WebSocket, frame: BatchableFrame): void {
    this.#fanout.sendTo(ws, frame);
  }

  sendError(ws: WebSocket, code: ErrorCode, message: string, id?: string, retryAfterMs?: number): void {
    const frame: ErrorFrame = { type: "error", code, message };
    if (id !== undefined) frame.id = id;
    if (retryAfterMs !== undefined) frame.retryAfterMs = retryAfterMs;
    this.sendTo(ws, frame);
  }

  broadcast(frame: BatchableFrame, except?: WebSocket | ReadonlySet<WebSocket>): void {
    this.#fanout.broadcast(frame, except);
  }

  /** Tells every socket of this person why, then closes them (1008). */
  removePerson(identity: string, code: "banned" | "kicked", message: string, retryAfterMs?: number): void {
    for (const [ws] of this.sessionsOf(identity)) {
      this.sendError(ws, code, message, undefined, retryAfterMs);
      this.close(ws, CLOSE_CODES.policyViolation, code);
    }
  }

  /** Sends what is queued for the socket, closes it and lets it depart. */
  close(ws: WebSocket, code: number, reason: string): void {
    this.#fanout.drainTo(ws);
    try {
      ws.close(code, reason);
    } catch {
      // Already closed.
    }
    this.#depart(ws);
  }

  #depart(ws: WebSocket): void {
    // Close and error may both report one socket's end.
    if (this.#departed.has(ws)) return;
    this.#departed.add(ws);
    this.#fanout.remove(ws);
    this.#lag.remove(ws);
    const removed = this.#roster.remove(ws);
    const session = removed?.session ?? readSession(ws);
    if (!session) return;
    const now = Date.now();
    this.#hooks.departed(session, now);
    if (this.#roster.isOnline(session.name)) return;
    // Renamed while this socket was still open: the join already said "renamedFrom".
    for (const [, other] of this.sessionsOf(session.identity)) if (other.name !== session.name) return;
    this.#presence.change(session.name, "leave", now);
    if (session.identity.startsWith("e:")) return;
    if (this.#lastLeft.size >= LAST_LEFT_MAX) this.#lastLeft.clear();
    this.#lastLeft.set(session.identity, { name: session.name, at: now });
  }

  /** False when the socket failed, or its reader is too far behind to be sent more. */
  #trySend(ws: WebSocket, payload: string): boolean {
    if (!this.#backlog.sent(ws, payload.length)) {
      this.#behind.add(ws);
      return false;
    }
    try {
      ws.send(payload);
      this.#lag.sent(ws, payload.length, Date.now());
      return true;
    } catch (error) {
      console.error("connections: send failed; closing socket", this.#roster.get(ws)?.name, error);
      return false;
    }
  }
}
