import { type BatchableFrame, CLOSE_CODES, type ErrorCode, LIMITS, type WelcomeFrame } from "../shared";
import { Backlog } from "./backlog";
import { DeliveryLag } from "./delivery-lag";
import { Fanout } from "./fanout";
import { errorFrame } from "./frame-check";
import { RoomPresence } from "./room-presence";
import { type RoomSocket, Roster } from "./roster";
import { type OnlineList, readSession, type Session, writeSession } from "./session";
import { RemoteSocket, type RemoteSockets } from "./shards/remote-sockets";

// A reader that reports but has been silent this long with a report's worth unread has stopped reading.
const STALLED_AFTER_MS = LIMITS.idleTimeoutMs / 2;

export type ConnectionHooks = {
  /** A socket that was open before the room woke; its session as its attachment kept it. */
  restored(session: Session): void;
  /** A socket is gone (closed by either side); its person may have other sockets still. */
  departed(session: Session, now: number): void;
  /**
   * A flush delivered this many events with a seq to this many sockets; its oldest frame had waited `lagMs`,
   * and the room's timer tick had been held back `heldMs` (input waiting to be read).
   */
  flushed(events: number, sockets: number, lagMs: number, heldMs: number): void;
  /** Who wrote the latest stored messages, most recent first (asked at most once per wake). */
  speakers(): string[];
};

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
  readonly #presence: RoomPresence;
  readonly #departed = new WeakSet<RoomSocket>();
  readonly #remote: RemoteSockets;
  // Sockets whose reader fell too far behind: closed with 1013 once the flush is done.
  readonly #behind = new WeakSet<WebSocket>();

  constructor(sockets: WebSocket[], remote: RemoteSockets, hooks: ConnectionHooks) {
    this.#hooks = hooks;
    this.#remote = remote;
    this.#fanout = new Fanout(
      {
        sockets: () => this.#roster.sockets(),
        socketCount: () => this.#roster.localSize,
        beforeFlush: () => this.#backlog.measure(this.#roster.sockets()),
        send: (ws, payload) => this.#trySend(ws, payload),
        // Closing flushes what is queued for that socket, which may fail and close again: `#departed` ends it.
        failed: (failed) => {
          for (const ws of failed) {
            if (this.#behind.has(ws)) this.close(ws, CLOSE_CODES.tryAgainLater, "too far behind");
            else this.close(ws, CLOSE_CODES.internalError, "send failed");
          }
        },
        flushed: (events, sockets, lagMs, heldMs) => hooks.flushed(events, sockets, lagMs, heldMs),
      },
      {
        flushCharsMax: LIMITS.flushCharsMax,
        flushSendCharsMax: LIMITS.flushSendCharsMax,
        flushCharsMin: LIMITS.flushCharsMin,
      },
    );
    const open: [RoomSocket, Session][] = [];
    for (const ws of sockets) {
      const session = readSession(ws);
      if (!session || ws.readyState !== WebSocket.OPEN) continue;
      open.push([ws, session]);
      hooks.restored(session);
      if (session.catchupFrom !== undefined) this.#fanout.hold(ws);
    }
    for (const socket of remote.restore()) {
      open.push([socket, socket.session]);
      hooks.restored(socket.session);
    }
    this.#roster = Roster.from(open);
    this.#presence = new RoomPresence(
      this.#roster,
      () => hooks.speakers(),
      (frame, except) => this.broadcast(frame, except),
    );
  }

  get size(): number {
    return this.#roster.size;
  }

  /** The room object's own sockets; the rest are held by its shards. */
  get localSize(): number {
    return this.#roster.localSize;
  }

  fromAddress(address: string): number {
    return this.#roster.fromAddress(address);
  }

  /** The socket's session: the roster's, or its attachment's for a socket the roster lost. */
  session(ws: RoomSocket): Session | null {
    return this.#roster.get(ws) ?? (ws instanceof RemoteSocket ? null : readSession(ws));
  }

  online(): OnlineList {
    return this.#presence.online();
  }

  /** Someone's message was stored: they are now the last to have spoken. */
  spoke(name: string): void {
    this.#presence.spoke(name);
  }

  /** A person's sessions, one per open socket. */
  *sessionsOf(identity: string): Iterable<[RoomSocket, Session]> {
    for (const ws of this.#roster.socketsOfIdentity(identity)) {
      const session = this.#roster.get(ws);
      if (session) yield [ws, session];
    }
  }

  isConnected(identity: string): boolean {
    for (const _ of this.sessionsOf(identity)) return true;
    return false;
  }

  /** A new socket: its welcome goes at once; what is queued now is for those already here (the welcome covers it);
   * one still catching up gets no live events until its catch-up ends. A shard's socket gets it through its shard. */
  add(ws: RoomSocket, session: Session, welcome: Omit<WelcomeFrame, "online" | "onlineCount">, now: number): void {
    const first = this.#roster.add(ws, session);
    const json = JSON.stringify({ ...welcome, ...this.online() } satisfies WelcomeFrame);
    if (ws instanceof RemoteSocket) this.#remote.welcome(ws, json, welcome.lastSeq);
    else {
      this.#fanout.join(ws);
      this.#backlog.start(ws);
      if (session.catchupFrom !== undefined) this.#fanout.hold(ws);
      writeSession(ws, session);
      if (!this.#trySend(ws, json)) {
        this.close(ws, CLOSE_CODES.internalError, "send failed");
        return;
      }
    }
    if (!first) return;
    const others = [...this.sessionsOf(session.identity)].filter(([other]) => other !== ws).map(([, s]) => s.name);
    this.#presence.joined(session, others, now);
  }

  /** The socket's catch-up moved on (`catchupFrom` set) or ended: stored, and live events flow again at its end. */
  catchingUp(ws: RoomSocket, session: Session): void {
    if (ws instanceof RemoteSocket) this.#remote.catchingUp(ws, session);
    else {
      writeSession(ws, session);
      if (session.catchupFrom === undefined) this.#fanout.release(ws);
    }
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

  sendTo(ws: RoomSocket, frame: BatchableFrame): void {
    if (ws instanceof RemoteSocket) this.#remote.send(ws, { t: "to", id: ws.id, json: JSON.stringify(frame) });
    else this.#fanout.sendTo(ws, frame);
  }

  sendError(ws: RoomSocket, code: ErrorCode, message: string, id?: string, retryAfterMs?: number): void {
    this.sendTo(ws, errorFrame(code, message, id, retryAfterMs));
  }

  /** To every socket but `except`, here and on every shard; serialised once. */
  broadcast(frame: BatchableFrame, except?: RoomSocket | ReadonlySet<RoomSocket>): void {
    const json = JSON.stringify(frame);
    const seq = "seq" in frame ? frame.seq : undefined;
    this.#fanout.broadcastJson(json, seq !== undefined, except instanceof RemoteSocket ? undefined : except);
    if (this.#remote.size === 0) return;
    const remote = except instanceof RemoteSocket ? [except] : except instanceof Set ? except : [];
    this.#remote.broadcast(
      json,
      seq,
      [...remote].filter((ws) => ws instanceof RemoteSocket),
    );
  }

  /** Tells every socket of this person why, then closes them (1008). */
  removePerson(identity: string, code: "banned" | "kicked", message: string, retryAfterMs?: number): void {
    for (const [ws] of this.sessionsOf(identity)) {
      this.sendError(ws, code, message, undefined, retryAfterMs);
      this.close(ws, CLOSE_CODES.policyViolation, code);
    }
  }

  /** Sends what is queued for the socket, closes it and lets it depart. */
  close(ws: RoomSocket, code: number, reason: string): void {
    if (ws instanceof RemoteSocket) {
      this.#remote.send(ws, { t: "close", id: ws.id, code, reason });
      this.#depart(ws);
      return;
    }
    this.#fanout.drainTo(ws);
    try {
      ws.close(code, reason);
    } catch {
      // Already closed.
    }
    this.#depart(ws);
  }

  /** A shard's socket closed there (the client went): it leaves the room, with nothing sent. */
  departed(ws: RemoteSocket): void {
    this.#depart(ws);
  }

  #depart(ws: RoomSocket): void {
    // Close and error may both report one socket's end.
    if (this.#departed.has(ws)) return;
    this.#departed.add(ws);
    let session: Session | null;
    if (ws instanceof RemoteSocket) {
      this.#remote.remove(ws);
      session = this.#roster.remove(ws)?.session ?? null;
    } else {
      this.#fanout.remove(ws);
      this.#lag.remove(ws);
      session = this.#roster.remove(ws)?.session ?? readSession(ws);
    }
    if (!session) return;
    const now = Date.now();
    this.#hooks.departed(session, now);
    if (this.#roster.isOnline(session.name)) return;
    // Renamed while this socket was still open: the join already said "renamedFrom".
    for (const [, other] of this.sessionsOf(session.identity)) if (other.name !== session.name) return;
    this.#presence.left(session, now);
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
