import { DurableObject } from "cloudflare:workers";
import {
  type AdminAction,
  CLOSE_CODES,
  type ClientMessage,
  type DeleteFrame,
  type EditFrame,
  exceedsFrameLimit,
  type Joiner,
  LIMITS,
  type ModerateFrame,
  type ParseResult,
  parseClientMessage,
  readJoiner,
} from "../shared";
import { Admission, BANNED, type RoomRefusal, refuse } from "./admission";
import { Connections } from "./connections";
import { Conversation } from "./conversation";
import { EventWriter } from "./event-writer";
import { HistoryAnswers } from "./history-answers";
import { Housekeeping } from "./housekeeping";
import { InputShedding } from "./input-shedding";
import { MessageSearch } from "./log/message-search";
import { MessageStore } from "./log/message-store";
import { Moderation } from "./log/moderation";
import { NameClaims } from "./log/name-claims";
import { ADMIN, REFUSED_MESSAGES, RoomChanges } from "./log/room-changes";
import { RoomRules } from "./log/room-rules";
import { Members } from "./members";
import { roomConfig } from "./room-config";
import type { OnlineList, Session } from "./session";
import { SlowMode } from "./slow-mode";
import { Traffic } from "./traffic";

export type { RoomRefusal } from "./admission";
export type RoomInfo = OnlineList & { lastSeq: number };

// Close codes the runtime reports but a socket may not send.
const RESERVED_CLOSE_CODES = new Set([1005, 1006, 1015]);
const TOO_MANY_FRAMES = `too many frames: at most ${LIMITS.rateBurst} at once and ${LIMITS.ratePerSecond} per second`;

/**
 * One chat room, as a Durable Object that only dispatches: each runtime hook
 * (an upgrade, a frame, a close, the alarm, a deployer's RPC) is a call into
 * the module that owns that part of the room. Sockets are hibernatable; what
 * each module keeps per socket is rebuilt from attachments or storage on wake.
 */
export class ChatRoom extends DurableObject<Env> {
  readonly #store: MessageStore;
  readonly #names: NameClaims;
  readonly #members: Members;
  readonly #moderation: Moderation;
  readonly #rules: RoomRules;
  readonly #slow: SlowMode;
  readonly #traffic: Traffic;
  readonly #shedding = new InputShedding(roomConfig(this.env).shedding);
  readonly #connections: Connections;
  readonly #admission: Admission;
  readonly #history: HistoryAnswers;
  readonly #writer: EventWriter;
  readonly #changes: RoomChanges;
  readonly #housekeeping: Housekeeping;
  readonly #conversation: Conversation;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    // Answered by the runtime without waking the object.
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair("ping", "pong"));
    const config = roomConfig(env);
    const { sql } = ctx.storage;
    this.#store = new MessageStore(ctx.storage, config.retention);
    this.#rules = new RoomRules(sql);
    this.#moderation = new Moderation(sql, this.#rules);
    this.#slow = new SlowMode(sql, this.#rules, this.#moderation);
    this.#names = new NameClaims(sql, { holdDays: config.nameHoldDays, namesPerIdentity: config.namesPerIdentity });
    this.#members = new Members(sql);
    this.#traffic = new Traffic(config.historyBytesPerMinute);
    this.#connections = new Connections(ctx.getWebSockets(), {
      restored: (session) => this.#names.use(session.identity, session.name, session.skeleton),
      departed: (session, now) => this.#departed(session, now),
      flushed: (events, sockets, lagMs) => this.#shedding.delivered(events, sockets, lagMs, Date.now()),
    });
    const connections = this.#connections;
    const [moderation, names, members, rules] = [this.#moderation, this.#names, this.#members, this.#rules];
    this.#admission = new Admission(config, { connections, moderation, names, members, rules });
    const search = new MessageSearch(sql);
    this.#history = new HistoryAnswers(this.#store, search, connections, this.#traffic, config.historyBytesPerMinute);
    this.#writer = new EventWriter(this.#store, connections, this.#traffic, this.#shedding, this.#slow);
    this.#conversation = new Conversation(sql, this.#store, this.#names, this.#slow);
    this.#changes = new RoomChanges({
      store: this.#store,
      moderation,
      names,
      rules,
      addressOf: (identity) => this.#addressOf(identity),
      removePerson: (identity, code, message, retryAfterMs) =>
        connections.removePerson(identity, code, message, retryAfterMs),
    });
    this.#housekeeping = new Housekeeping(ctx, {
      config,
      store: this.#store,
      names: this.#names,
      moderation: this.#moderation,
      traffic: this.#traffic,
      shedding: this.#shedding,
      connections,
    });
  }

  override async fetch(request: Request): Promise<Response> {
    const asked = readJoiner(request.url);
    // A socket without a key is a person of its own while it lasts.
    const identity = asked.identity || `e:${crypto.randomUUID()}`;
    const now = Date.now();
    const joiner = this.#admission.shown({ ...asked, identity }, now);
    const refusal = this.#admission.check(joiner, now);
    if (refusal) return refuse(refusal);
    this.#members.joined(identity, joiner.address, now);

    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server);
    const { name, skeleton, role, address, roleUntil } = joiner;
    const session: Session = { name, joinedAt: now, address, identity, skeleton, role };
    if (roleUntil !== undefined) session.roleUntil = roleUntil;
    const page = this.#history.welcome(server, session, joiner.since, now);
    this.#names.use(identity, name, skeleton);
    this.#moderation.claimOwnership(identity);
    this.#rules.seen(identity, name, identity === this.#moderation.owner());
    this.#connections.add(
      server,
      session,
      {
        type: "welcome",
        room: joiner.room,
        name,
        history: page.items,
        lastSeq: this.#store.lastSeq,
        more: page.more,
        role: this.#moderation.roleOf(session, now),
        ...this.#rules.welcome(),
      },
      now,
    );
    await this.#housekeeping.joined();
    return new Response(null, { status: 101, webSocket: client });
  }

  /**
   * Why this person may not join now, or null. The upgrade runs it, and so
   * does the worker for a `GET` without `Upgrade` (browsers cannot read an
   * upgrade's refusal), so both always agree.
   */
  admission(joiner: Joiner, now = Date.now()): RoomRefusal | null {
    return this.#admission.check(joiner, now);
  }

  /** Who is online and the latest seq, for `GET /api/rooms/<room>`. */
  info(): RoomInfo {
    return { ...this.#connections.online(), lastSeq: this.#store.lastSeq };
  }

  override webSocketMessage(ws: WebSocket, data: string | ArrayBuffer): void {
    try {
      this.#receive(ws, data);
    } catch (error) {
      // A bug, not bad input: log it with context; the client sees only a close.
      console.error("chat-room: failed handling a frame", this.#connections.session(ws)?.name, error);
      this.#connections.close(ws, CLOSE_CODES.internalError, "internal error");
    }
    this.#connections.incoming();
  }

  #receive(ws: WebSocket, data: string | ArrayBuffer): void {
    const connections = this.#connections;
    const session = connections.session(ws);
    if (!session) {
      console.error("chat-room: socket without a session; closing it");
      connections.close(ws, CLOSE_CODES.internalError, "session lost");
      return;
    }
    const tooBig = typeof data === "string" ? exceedsFrameLimit(data) : data.byteLength > LIMITS.frameBytesMax;
    if (tooBig) {
      connections.close(ws, CLOSE_CODES.tooBig, `frame larger than ${LIMITS.frameBytesMax} bytes`);
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
      if ("flooding" in verdict) connections.close(ws, CLOSE_CODES.policyViolation, "flooding");
      // A dropped report only delays the next one.
      else if (!(housekeeping && id === undefined)) {
        connections.sendError(ws, "rate_limited", TOO_MANY_FRAMES, id, verdict.retryAfterMs);
      }
      return;
    }
    if (!parsed.ok) {
      connections.sendError(ws, parsed.code, parsed.message, id);
      return;
    }
    const frame = parsed.value;
    switch (frame.type) {
      case "send":
        this.#writer.record(ws, session, frame.id, "message", () => this.#conversation.send(session, frame));
        return;
      case "react":
        this.#writer.record(ws, session, frame.id, "change", () => this.#conversation.react(session, frame));
        return;
      case "search":
        this.#history.search(ws, frame);
        return;
      case "bans":
        if (this.#moderation.roleOf(session, Date.now()) === "member") {
          connections.sendError(ws, "forbidden", REFUSED_MESSAGES.forbidden, frame.id);
        } else connections.sendTo(ws, { type: "bans", id: frame.id, bans: this.#moderation.bans(Date.now()) });
        return;
      case "typing":
        connections.broadcast({ type: "typing", name: session.name }, ws);
        return;
      case "received":
        connections.received(ws, frame.chars, Date.now());
        return;
      case "catchup":
        this.#history.catchup(ws, session, frame);
        return;
      case "older":
        this.#history.older(ws, frame);
        return;
      case "edit":
      case "delete":
      case "moderate":
        this.#change(ws, session, frame);
        return;
    }
  }

  /** Edit, delete and moderate: checked against who the person is now, on every frame. */
  #change(ws: WebSocket, session: Session, frame: EditFrame | DeleteFrame | ModerateFrame): void {
    const kind = frame.type === "moderate" ? "moderation" : frame.type === "edit" ? "edit" : "change";
    this.#writer.record(ws, session, frame.id, kind, () => {
      const now = Date.now();
      if (this.#moderation.isBanned(session.identity, now)) {
        this.#connections.removePerson(session.identity, "banned", BANNED);
        return null;
      }
      const moderator = this.#moderation.roleOf(session, now) !== "member";
      return this.#changes.apply({ identity: session.identity, name: session.name, moderator }, frame.id, frame, now);
    });
  }

  override webSocketClose(ws: WebSocket, code: number, reason: string): void {
    // Close our side too, or the client waits in CLOSING and reports 1006.
    this.#connections.close(ws, RESERVED_CLOSE_CODES.has(code) ? CLOSE_CODES.normal : code, reason);
  }

  override webSocketError(ws: WebSocket, error: unknown): void {
    console.error("chat-room: socket error", this.#connections.session(ws)?.name, error);
    this.#connections.close(ws, CLOSE_CODES.internalError, "socket error");
  }

  override alarm(): Promise<void> {
    return this.#housekeeping.alarm(Date.now());
  }

  /** Closes dead and stalled sockets; how many (the alarm runs it; tests call it with a later clock). */
  pruneIdleSockets(now: number): number {
    return this.#housekeeping.pruneIdleSockets(now);
  }

  /** A deployer's action through `POST /api/rooms/<room>/moderation`: any room, any person. */
  moderateAsAdmin(
    request: AdminAction,
  ): { ok: true; seq: number } | { ok: false; code: "not_found" | "forbidden"; message: string } {
    const change =
      request.action === "delete" ? { type: "delete" as const, ...request } : { type: "moderate" as const, ...request };
    const result = this.#changes.apply(ADMIN, crypto.randomUUID(), change, Date.now());
    if ("refused" in result) return { ok: false, code: result.refused, message: REFUSED_MESSAGES[result.refused] };
    this.#connections.broadcast(result);
    return { ok: true, seq: result.seq };
  }

  /** A socket is gone: its name's hold runs from now, and the owner's last visit is noted. */
  #departed(session: Session, now: number): void {
    this.#names.release(session.identity, session.skeleton, now);
    if (session.identity === this.#moderation.owner() && !this.#connections.isConnected(session.identity)) {
      this.#moderation.ownerSeen(now);
    }
  }

  /** The (hashed) address someone connects from now, or last came from. */
  #addressOf(identity: string): string {
    for (const [, session] of this.#connections.sessionsOf(identity)) return session.address;
    return this.#members.get(identity)?.address ?? "";
  }
}
