import { DurableObject } from "cloudflare:workers";
import { Backlog } from "./backlog";
import { DeliveryLag } from "./delivery-lag";
import { Fanout } from "./fanout";
import { InputShedding } from "./input-shedding";
import { type Joiner, readJoiner } from "./joiner";
import { Members } from "./members";
import { MessageStore, NotStoredError, type Refused } from "./message-store";
import { Moderation } from "./moderation";
import { NameClaims } from "./name-claims";
import { PresenceNews } from "./presence";
import {
  type AdminAction,
  type BatchableFrame,
  type CatchupRequest,
  CLOSE_CODES,
  type ClientMessage,
  type DeleteFrame,
  type EditFrame,
  type ErrorCode,
  type ErrorFrame,
  exceedsFrameLimit,
  LIMITS,
  type LogEvent,
  type ModerateFrame,
  type OlderRequest,
  type ParseResult,
  parseClientMessage,
  type SendFrame,
  type ServerMessage,
  type WelcomeFrame,
} from "./protocol";
import { ADMIN, REFUSED_MESSAGES, RoomChanges } from "./room-changes";
import { type RoomConfig, roomConfig } from "./room-config";
import { Roster } from "./roster";
import { forgetSchema } from "./schema";
import { type OnlineList, readSession, type Session, writeSession } from "./session";
import type { TakeResult } from "./token-bucket";
import { Traffic } from "./traffic";

export type RoomInfo = OnlineList & { lastSeq: number };

/** Why the room turns someone away: sent as an `error` frame, or by the worker as HTTP. */
export type RoomRefusal = { code: "room_full" | "too_many_connections" | "name_taken" | "banned"; message: string };

const BANNED = "you are banned from this room";

// Close codes the runtime reports but a socket may not send.
const RESERVED_CLOSE_CODES = new Set([1005, 1006, 1015]);
const DAY_MS = 24 * 60 * 60 * 1000;
// Presence news within this long of the last are merged (a crowd joining); each news goes to
// everyone, so a bigger room merges over a longer window (1 ms a socket, up to 1 s): a crowd's
// joins then cost O(N) sends in all, not O(N) per 100 ms.
const PRESENCE_WINDOW_MS = 100;
const PRESENCE_WINDOW_MS_PER_SOCKET = 1;
const PRESENCE_WINDOW_MAX_MS = 1000;
// A reader that reports but has been silent this long with a report's worth unread has stopped reading.
const STALLED_AFTER_MS = LIMITS.idleTimeoutMs / 2;
// How often a room with sockets looks for dead ones.
const PRUNE_EVERY_MS = LIMITS.idleTimeoutMs / 2;

/**
 * One chat room. Sockets are hibernatable: the sessions map is a cache rebuilt
 * from the sockets' attachments whenever the object wakes.
 */
export class ChatRoom extends DurableObject<Env> {
  readonly #config: RoomConfig;
  #store: MessageStore;
  readonly #names: NameClaims;
  readonly #members: Members;
  readonly #moderation: Moderation;
  readonly #changes: RoomChanges;
  #roster: Roster;
  readonly #presence: PresenceNews;
  readonly #traffic: Traffic;
  readonly #departed = new WeakSet<WebSocket>();
  readonly #fanout: Fanout;
  readonly #shedding = new InputShedding({ lagMaxMs: LIMITS.shedLagMs, windowMs: LIMITS.shedWindowMs });
  readonly #deliveryLag = new DeliveryLag({
    reportMs: LIMITS.receivedReportMs,
    forgetAfterMs: LIMITS.idleTimeoutMs,
  });
  readonly #backlog = new Backlog(LIMITS.backlogCharsMax, 4 * LIMITS.backlogCharsMax);
  // Sockets whose reader fell too far behind: closed with 1013 once the flush is done.
  readonly #behind = new WeakSet<WebSocket>();
  // Whether the prune alarm is known to be set; checked in storage once per wake.
  #alarmSet = false;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    // Answered by the runtime without waking the object.
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair("ping", "pong"));
    this.#config = roomConfig(env);
    this.#store = new MessageStore(ctx.storage, this.#config.retention);
    this.#moderation = new Moderation(ctx.storage.sql);
    this.#names = new NameClaims(ctx.storage.sql, {
      holdDays: this.#config.nameHoldDays,
      namesPerIdentity: this.#config.namesPerIdentity,
    });
    this.#members = new Members(ctx.storage.sql);
    this.#traffic = new Traffic(this.#config.historyBytesPerMinute);
    this.#changes = new RoomChanges({
      store: () => this.#store,
      moderation: this.#moderation,
      names: this.#names,
      addressOf: (identity) => this.#addressOf(identity),
      removePerson: (identity, code, message) => this.#removePerson(identity, code, message),
    });
    this.#fanout = new Fanout(
      {
        sockets: () => this.#roster.sockets(),
        beforeFlush: () => this.#backlog.measure(this.#roster.sockets()),
        send: (ws, payload) => this.#trySend(ws, payload),
        failed: (sockets) => {
          for (const ws of sockets) {
            if (this.#behind.has(ws)) this.#disconnect(ws, CLOSE_CODES.tryAgainLater, "too far behind");
            else this.#disconnect(ws, CLOSE_CODES.internalError, "send failed");
          }
        },
        flushed: (events) => this.#shedding.delivered(events, Date.now()),
      },
      { flushCharsMax: LIMITS.flushCharsMax },
    );
    const open: [WebSocket, Session][] = [];
    for (const ws of ctx.getWebSockets()) {
      const session = readSession(ws);
      if (!session || ws.readyState !== WebSocket.OPEN) continue;
      open.push([ws, session]);
      this.#names.use(session.identity, session.name, session.skeleton);
      if (session.catchupFrom !== undefined) this.#fanout.hold(ws);
    }
    this.#roster = Roster.from(open);
    this.#presence = new PresenceNews(
      () =>
        Math.min(
          PRESENCE_WINDOW_MAX_MS,
          Math.max(PRESENCE_WINDOW_MS, this.#roster.size * PRESENCE_WINDOW_MS_PER_SOCKET),
        ),
      () => this.#online(),
      // Nobody is told of their own coming and going (a merged crowd's frame goes to all).
      (frames) => {
        for (const frame of frames) {
          this.#broadcastExcept(frame, frame.names ? undefined : this.#roster.socketsOf(frame.name));
        }
      },
    );
  }

  override async fetch(request: Request): Promise<Response> {
    const asked = readJoiner(request.url);
    // A socket without a key is a person of its own while it lasts.
    const identity = asked.identity || `e:${crypto.randomUUID()}`;
    const now = Date.now();
    const joiner = this.#shown({ ...asked, identity }, now);
    const refusal = this.admission(joiner, now);
    if (refusal) return this.#refuse(refusal);
    this.#members.joined(identity, joiner.address, now);

    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server);
    // What is queued now is for the sockets already here: the history covers it.
    this.#fanout.join(server);
    this.#backlog.start(server);
    const { since, name } = joiner;
    const page = since === undefined ? this.#store.latest(LIMITS.historyOnJoin) : this.#store.after(since);
    // The first page always fits a fresh budget; it counts against what follows.
    this.#traffic.history(server, page.bytes, now);
    const session: Session = {
      name,
      joinedAt: now,
      address: joiner.address,
      identity,
      skeleton: joiner.skeleton,
      role: joiner.role,
    };
    // The rest of the history comes in `catchup` pages; live events would land in its gap.
    if (page.more) {
      session.catchupFrom = page.items.at(-1)?.seq ?? since ?? 0;
      this.#fanout.hold(server);
    }
    if (joiner.roleUntil !== undefined) session.roleUntil = joiner.roleUntil;
    writeSession(server, session);
    const first = this.#roster.add(server, session);
    this.#names.use(identity, name, joiner.skeleton);
    this.#moderation.claimOwnership(identity);

    this.#sendWelcome(server, {
      type: "welcome",
      room: joiner.room,
      name,
      ...this.#online(),
      history: page.items,
      lastSeq: this.#store.lastSeq,
      more: page.more,
      role: this.#moderation.roleOf(session, now),
    });
    if (first) this.#presence.change(name, "join", now);
    if (!this.#alarmSet) {
      if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(Date.now() + PRUNE_EVERY_MS);
      this.#alarmSet = true;
    }
    return new Response(null, { status: 101, webSocket: client });
  }

  /**
   * Why this person may not join now, or null. The upgrade runs it, and so
   * does the worker for a `GET` without `Upgrade` (browsers cannot read an
   * upgrade's refusal), so both always agree.
   */
  admission(joiner: Joiner, now = Date.now()): RoomRefusal | null {
    const limit = this.#config.socketLimit;
    if (this.#roster.size >= limit) {
      return { code: "room_full", message: `this room is full (${limit} connections); try again later` };
    }
    const { perAddress } = this.#config;
    if (joiner.address !== "" && this.#roster.fromAddress(joiner.address) >= perAddress) {
      return {
        code: "too_many_connections",
        message: `your network already has ${perAddress} connections to this room; close some tabs or try again later`,
      };
    }
    if (this.#moderation.isBanned(joiner.identity, now) || this.#addressBanned(joiner, now)) {
      return { code: "banned", message: BANNED };
    }
    // A signed-in person's name is never refused: the room shows it with a suffix instead.
    if (!isSignedIn(joiner.identity) && this.#names.heldByOther(joiner.identity, joiner.skeleton, now)) {
      return {
        code: "name_taken",
        message: `someone else in this room goes by "${joiner.name}" (or a name that looks like it); pick another name`,
      };
    }
    return null;
  }

  /** A ban on an address refuses identities that first joined the room after it, and sockets without a key. */
  #addressBanned(joiner: Joiner, now: number): boolean {
    const since = this.#moderation.addressBannedSince(joiner.address, now);
    if (since === null) return false;
    const firstSeen = this.#members.get(joiner.identity)?.firstSeen;
    return firstSeen === undefined || firstSeen >= since;
  }

  /** The joiner as the room will show them: a signed-in name someone else holds gets a suffix. */
  #shown(joiner: Joiner, now: number): Joiner {
    if (!isSignedIn(joiner.identity)) return joiner;
    return { ...joiner, ...this.#names.suffixed(joiner.identity, joiner.name, joiner.skeleton, now) };
  }

  /** Who is online and the latest seq, for `GET /api/rooms/<room>`. */
  info(): RoomInfo {
    return { ...this.#online(), lastSeq: this.#store.lastSeq };
  }

  override webSocketMessage(ws: WebSocket, data: string | ArrayBuffer): void {
    try {
      this.#receive(ws, data);
    } catch (error) {
      // A bug, not bad input: log it with context; the client sees only a close.
      console.error("chat-room: failed handling a frame", this.#roster.get(ws)?.name, error);
      this.#disconnect(ws, CLOSE_CODES.internalError, "internal error");
    }
  }

  #receive(ws: WebSocket, data: string | ArrayBuffer): void {
    const session = this.#roster.get(ws) ?? readSession(ws);
    if (!session) {
      console.error("chat-room: socket without a session; closing it");
      this.#disconnect(ws, CLOSE_CODES.internalError, "session lost");
      return;
    }
    const tooBig = typeof data === "string" ? exceedsFrameLimit(data) : data.byteLength > LIMITS.frameBytesMax;
    if (tooBig) {
      this.#disconnect(ws, CLOSE_CODES.tooBig, `frame larger than ${LIMITS.frameBytesMax} bytes`);
      return;
    }
    const parsed: ParseResult<ClientMessage> =
      typeof data === "string"
        ? parseClientMessage(data)
        : { ok: false, code: "bad_message", message: "binary frames are not supported; send JSON text" };
    // Every frame counts against the rate limit, bad ones too.
    const id = parsed.ok ? ("id" in parsed.value ? parsed.value.id : undefined) : parsed.id;
    const housekeeping = parsed.ok && (parsed.value.type === "received" || parsed.value.type === "catchup");
    const verdict = this.#traffic.frame(ws, housekeeping, Date.now());
    if (!verdict.ok) {
      if ("flooding" in verdict) this.#disconnect(ws, CLOSE_CODES.policyViolation, "flooding");
      // A dropped report only delays the next one.
      else if (!(housekeeping && id === undefined)) {
        this.#rateLimited(
          ws,
          `too many frames: at most ${LIMITS.rateBurst} at once and ${LIMITS.ratePerSecond} per second`,
          verdict,
          id,
        );
      }
      return;
    }
    if (!parsed.ok) {
      this.#sendError(ws, parsed.code, parsed.message, id);
      return;
    }
    const frame = parsed.value;
    switch (frame.type) {
      case "send":
        this.#handleSend(ws, session, frame);
        return;
      case "typing":
        this.#broadcastExcept({ type: "typing", name: session.name }, ws);
        return;
      case "received":
        if (!this.#backlog.received(ws, frame.chars, Date.now())) {
          this.#disconnect(ws, CLOSE_CODES.policyViolation, "reported reading more than was sent");
        } else this.#deliveryLag.received(ws, this.#backlog.behind(ws), Date.now());
        return;
      case "catchup":
        this.#handleCatchup(ws, session, frame);
        return;
      case "older":
        this.#handleOlder(ws, frame);
        return;
      case "edit":
      case "delete":
      case "moderate":
        this.#handleChange(ws, session, frame);
        return;
    }
  }

  override webSocketClose(ws: WebSocket, code: number, reason: string): void {
    // Close our side too, or the client waits in CLOSING and reports 1006.
    this.#disconnect(ws, RESERVED_CLOSE_CODES.has(code) ? CLOSE_CODES.normal : code, reason);
  }

  override webSocketError(ws: WebSocket, error: unknown): void {
    console.error("chat-room: socket error", this.#roster.get(ws)?.name, error);
    this.#disconnect(ws, CLOSE_CODES.internalError, "socket error");
  }

  override async alarm(): Promise<void> {
    const now = Date.now();
    this.pruneIdleSockets(now);
    this.#traffic.prune(now);
    this.#shedding.prune(now);
    const holds = this.#names.prune(now);
    const bans = this.#moderation.prune(now);
    this.#store.prune(now);
    this.#alarmSet = this.ctx.getWebSockets().length > 0;
    if (this.#alarmSet) {
      await this.ctx.storage.setAlarm(now + PRUNE_EVERY_MS);
      return;
    }
    const { idleDays, retention, nameHoldDays } = this.#config;
    const lastUse = this.#store.lastActivity();
    const holdMs = nameHoldDays * DAY_MS;
    // The owner, bans and name holds outlive an empty room; the owner for a hold's time after their last visit.
    const keptFor = holds || bans || now - this.#moderation.ownerLastSeen() < holdMs;
    const historyGone = this.#store.lastSeq === 0 || (idleDays !== undefined && now - lastUse >= idleDays * DAY_MS);
    if (historyGone && !keptFor) {
      // Never used, or idle past the deployer's limit, and nobody's name or ban to keep: leave nothing behind.
      await this.ctx.storage.deleteAll();
      forgetSchema(this.ctx.storage.sql);
      this.#moderation.forget();
      this.#store = new MessageStore(this.ctx.storage, retention);
      return;
    }
    // An empty room wakes only to age out history, holds and bans, or to be deleted when idle.
    const next = Math.min(
      retention.days === undefined && !keptFor ? Number.POSITIVE_INFINITY : now + DAY_MS,
      idleDays === undefined ? Number.POSITIVE_INFINITY : Math.max(now + DAY_MS, lastUse + idleDays * DAY_MS),
    );
    if (Number.isFinite(next)) await this.ctx.storage.setAlarm(next);
  }

  /**
   * Closes sockets that neither pinged (the runtime's auto-response, which does
   * not wake the room, records when) nor sent a frame within the idle timeout,
   * and readers that reported once but went silent with frames unread.
   */
  pruneIdleSockets(now: number): number {
    let pruned = 0;
    for (const ws of this.ctx.getWebSockets()) {
      const lastPing = this.ctx.getWebSocketAutoResponseTimestamp(ws)?.getTime() ?? 0;
      const lastFrame = this.#traffic.lastFrameAt(ws) ?? 0;
      const joinedAt = (this.#roster.get(ws) ?? readSession(ws))?.joinedAt ?? 0;
      if (now - Math.max(lastPing, lastFrame, joinedAt) > LIMITS.idleTimeoutMs) {
        this.#disconnect(ws, CLOSE_CODES.goingAway, "no heartbeat");
        pruned++;
      } else if (this.#backlog.stalled(ws, now, STALLED_AFTER_MS, LIMITS.receivedReportChars)) {
        // Still pinging, no longer reading: it holds a place and a buffer.
        this.#disconnect(ws, CLOSE_CODES.tryAgainLater, "too far behind");
        pruned++;
      }
    }
    return pruned;
  }

  #refuse({ code, message }: RoomRefusal): Response {
    // Accepted without hibernation only to say why, then closed: browsers cannot read an HTTP error.
    const { 0: client, 1: server } = new WebSocketPair();
    server.accept();
    server.send(JSON.stringify({ type: "error", code, message } satisfies ServerMessage));
    const later = code === "room_full" || code === "too_many_connections";
    server.close(later ? CLOSE_CODES.tryAgainLater : CLOSE_CODES.policyViolation, code);
    return new Response(null, { status: 101, webSocket: client });
  }

  #handleSend(ws: WebSocket, session: Session, frame: SendFrame): void {
    this.#record(ws, session, frame.id, "message", () => {
      const message = this.#store.append(session.identity, session.name, frame.id, frame.text, Date.now());
      this.#names.wrote(session.identity, session.name, session.skeleton, message.ts);
      return message;
    });
  }

  /**
   * Where "an ack means stored" is kept: a retry gets its first answer again;
   * otherwise `write` stores one event, and only what it stored is acked to
   * the sender and sent to the others. A write that fails tells this sender
   * alone; `write` returns null when it has answered by itself.
   */
  #record(ws: WebSocket, session: Session, id: string, what: string, write: () => LogEvent | Refused | null): void {
    const stored = this.#store.findByAuthor(session.identity, id);
    if (stored) {
      this.#sendTo(ws, { type: "ack", id, seq: stored.seq, ts: stored.ts });
      return;
    }
    if (what !== "moderation") {
      // One budget per person, whichever of their sockets writes.
      const budget = this.#traffic.write(session.identity, Date.now());
      if (!budget.ok) {
        const { writeBurst, writesPerSecond } = LIMITS;
        const why = `you are writing too fast: at most ${writeBurst} at once and ${writesPerSecond} a second`;
        this.#rateLimited(ws, why, budget, id);
        return;
      }
    }
    // New text (sends, edits) waits while the room is behind; deletions and moderation never do.
    if (what === "message" || what === "edit") {
      const now = Date.now();
      const lag = Math.max(this.#fanout.lagMs(now), this.#deliveryLag.lagMs(now));
      const admitted = this.#shedding.admit(session.identity, lag, now);
      if (!admitted.ok) {
        this.#rateLimited(ws, "the room is busy: it cannot deliver more in time; send again later", admitted, id);
        return;
      }
    }
    let result: LogEvent | Refused | null;
    try {
      result = write();
    } catch (error) {
      if (!(error instanceof NotStoredError)) throw error;
      console.error(`chat-room: a ${what} was not stored`, session.name, error.cause);
      this.#sendError(ws, "not_stored", `the room could not store this ${what}; send it again`, id);
      return;
    }
    if (result === null) return;
    if ("refused" in result) {
      this.#sendError(ws, result.refused, REFUSED_MESSAGES[result.refused], id);
      return;
    }
    // Stored already; the output gate holds these until the write is durable.
    this.#sendTo(ws, { type: "ack", id, seq: result.seq, ts: result.ts });
    this.#broadcastExcept(result, ws);
  }

  /**
   * The next page of a catch-up, from exactly where the last page ended; the
   * last one releases the socket to live events. Only a socket catching up
   * may ask, so no page is ever sent twice.
   */
  #handleCatchup(ws: WebSocket, session: Session, frame: CatchupRequest): void {
    const from = session.catchupFrom;
    if (from === undefined || frame.since !== from) {
      const why =
        from === undefined
          ? "this socket is not catching up: every event reaches it live"
          : `catch-up goes on from seq ${from}, where the last page ended`;
      this.#sendError(ws, "bad_message", why, frame.id);
      return;
    }
    const page = this.#store.after(from);
    if (!this.#historyAllowed(ws, page.bytes, frame.id)) return;
    this.#sendTo(ws, {
      type: "catchup",
      id: frame.id,
      history: page.items,
      lastSeq: this.#store.lastSeq,
      more: page.more,
    });
    if (page.more) session.catchupFrom = page.items.at(-1)?.seq ?? from;
    else {
      delete session.catchupFrom;
      this.#fanout.release(ws);
    }
    writeSession(ws, session);
  }

  /** Earlier messages, for scrolling up: read through the seq index, never the whole table. */
  #handleOlder(ws: WebSocket, frame: OlderRequest): void {
    const page = this.#store.before(frame.before, frame.limit);
    if (!this.#historyAllowed(ws, page.bytes, frame.id)) return;
    this.#sendTo(ws, { type: "older", id: frame.id, messages: page.items, more: page.more });
  }

  /** Counts history against the socket's budget; past it, the request is refused with when to ask again. */
  #historyAllowed(ws: WebSocket, bytes: number, id: string): boolean {
    const taken = this.#traffic.history(ws, bytes, Date.now());
    if (taken.ok) return true;
    const perMinute = this.#config.historyBytesPerMinute;
    this.#rateLimited(ws, `at most ${perMinute} bytes of history a minute on one connection`, taken, id);
    return false;
  }

  /** Edit, delete and moderate: checked against who the person is now, on every frame. */
  #handleChange(ws: WebSocket, session: Session, frame: EditFrame | DeleteFrame | ModerateFrame): void {
    const what = frame.type === "moderate" ? "moderation" : frame.type === "edit" ? "edit" : "change";
    this.#record(ws, session, frame.id, what, () => {
      const now = Date.now();
      if (this.#moderation.isBanned(session.identity, now)) {
        this.#removePerson(session.identity, "banned", BANNED);
        return null;
      }
      const moderator = this.#moderation.roleOf(session, now) !== "member";
      return this.#changes.apply({ author: session.identity, name: session.name, moderator }, frame.id, frame, now);
    });
  }

  /** A deployer's action through `POST /api/rooms/<room>/moderation`: any room, any person. */
  moderateAsAdmin(
    request: AdminAction,
  ): { ok: true; seq: number } | { ok: false; code: "not_found" | "forbidden"; message: string } {
    const change =
      request.action === "delete" ? { type: "delete" as const, ...request } : { type: "moderate" as const, ...request };
    const result = this.#changes.apply(ADMIN, crypto.randomUUID(), change, Date.now());
    if ("refused" in result) return { ok: false, code: result.refused, message: REFUSED_MESSAGES[result.refused] };
    this.#broadcastExcept(result);
    return { ok: true, seq: result.seq };
  }

  /** Tells every socket of this person why, then closes them. */
  #removePerson(identity: string, code: "banned" | "kicked", message: string): void {
    for (const [ws, session] of [...this.#roster.entries()]) {
      if (session.identity !== identity) continue;
      this.#sendError(ws, code, message);
      this.#disconnect(ws, CLOSE_CODES.policyViolation, code);
    }
  }

  #isConnected(identity: string): boolean {
    return this.#nameOf(identity) !== undefined;
  }

  #nameOf(identity: string): string | undefined {
    for (const [, session] of this.#roster.entries()) if (session.identity === identity) return session.name;
    return undefined;
  }

  #rateLimited(ws: WebSocket, message: string, refused: Extract<TakeResult, { ok: false }>, id?: string): void {
    const frame: ErrorFrame = { type: "error", code: "rate_limited", message, retryAfterMs: refused.retryAfterMs };
    if (id !== undefined) frame.id = id;
    this.#sendTo(ws, frame);
  }

  #addressOf(identity: string): string {
    for (const [, session] of this.#roster.entries()) if (session.identity === identity) return session.address;
    return this.#members.get(identity)?.address ?? "";
  }

  #sendError(ws: WebSocket, code: ErrorCode, message: string, id?: string): void {
    this.#sendTo(ws, id === undefined ? { type: "error", code, message } : { type: "error", code, message, id });
  }

  /** Sends what is queued for it, closes the socket and, if its person has no other socket, announces the leave. */
  #disconnect(ws: WebSocket, code: number, reason: string): void {
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
    this.#deliveryLag.remove(ws);
    const removed = this.#roster.remove(ws);
    const session = removed?.session ?? readSession(ws);
    if (!session) return;
    const now = Date.now();
    this.#names.release(session.identity, session.skeleton, now);
    if (session.identity === this.#moderation.owner() && !this.#isConnected(session.identity)) {
      this.#moderation.ownerSeen(now);
    }
    if (this.#roster.isOnline(session.name)) return;
    this.#presence.change(session.name, "leave", now);
  }

  #online(): OnlineList {
    return this.#roster.online(LIMITS.onlineListMax);
  }

  #sendWelcome(ws: WebSocket, frame: WelcomeFrame): void {
    // Sent at once, ahead of anything queued: the rule that the welcome comes first.
    if (!this.#trySend(ws, JSON.stringify(frame))) this.#disconnect(ws, CLOSE_CODES.internalError, "send failed");
  }

  #sendTo(ws: WebSocket, frame: BatchableFrame): void {
    this.#fanout.sendTo(ws, frame);
  }

  #broadcastExcept(frame: BatchableFrame, except?: WebSocket | ReadonlySet<WebSocket>): void {
    this.#fanout.broadcast(frame, except);
  }

  /** False when the socket failed, or its reader is too far behind to be sent more. */
  #trySend(ws: WebSocket, payload: string): boolean {
    if (!this.#backlog.sent(ws, payload.length)) {
      this.#behind.add(ws);
      return false;
    }
    try {
      ws.send(payload);
      this.#deliveryLag.sent(ws, payload.length, Date.now());
      return true;
    } catch (error) {
      console.error("chat-room: send failed; closing socket", this.#roster.get(ws)?.name, error);
      return false;
    }
  }
}

/** Signed-in identities (`AUTH = "jwt"`): their token names the person, never refused as taken. */
function isSignedIn(identity: string): boolean {
  return identity.startsWith("j:");
}
