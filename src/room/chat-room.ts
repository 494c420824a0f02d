import { DurableObject } from "cloudflare:workers";
import { type AdminAction, CLOSE_CODES, type Joiner, type LogEvent, readJoiner } from "../shared";
import { Admission, type RoomRefusal, refuse } from "./admission";
import { Connections } from "./connections";
import { Conversation } from "./conversation";
import { EventWriter } from "./event-writer";
import { checkFrame, RESERVED_CLOSE_CODES } from "./frame-check";
import { FrameDispatch } from "./frame-dispatch";
import { HistoryAnswers } from "./history-answers";
import { Housekeeping } from "./housekeeping";
import { InputShedding } from "./input-shedding";
import { latestSpeakers } from "./log/latest-speakers";
import { MessageSearch } from "./log/message-search";
import { MessageStore } from "./log/message-store";
import { Moderation } from "./log/moderation";
import { NameClaims } from "./log/name-claims";
import { ADMIN, REFUSED_MESSAGES, RoomChanges } from "./log/room-changes";
import { RoomRules } from "./log/room-rules";
import { Members } from "./members";
import { type RoomConfig, roomConfig } from "./room-config";
import type { RoomSocket } from "./roster";
import type { OnlineList, Session } from "./session";
import { RemoteSockets } from "./shards/remote-sockets";
import { type RoomOp, SHARD_HEADER, shardName } from "./shards/shard-ops";
import { SlowMode } from "./slow-mode";
import { Traffic } from "./traffic";

export type { RoomRefusal } from "./admission";
export type RoomInfo = OnlineList & { lastSeq: number; shards: number };

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
  readonly #config: RoomConfig;
  readonly #remote: RemoteSockets;
  readonly #dispatch: FrameDispatch;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair("ping", "pong")); // answered without waking us
    const config = roomConfig(env);
    this.#config = config;
    const { sql } = ctx.storage;
    this.#store = new MessageStore(ctx.storage, config.retention);
    this.#rules = new RoomRules(sql);
    this.#moderation = new Moderation(sql, this.#rules);
    this.#slow = new SlowMode(sql, this.#rules, this.#moderation);
    this.#names = new NameClaims(sql, { holdDays: config.nameHoldDays, namesPerIdentity: config.namesPerIdentity });
    this.#members = new Members(sql);
    this.#traffic = new Traffic(config.historyBytesPerMinute);
    // Shards are named after the room: its id's name, or as its first shard's socket said (kept for a restart).
    const shard = (index: number) =>
      env.ROOM_SHARDS.getByName(shardName(ctx.id.name ?? ctx.storage.kv.get<string>("room") ?? "", index));
    this.#remote = new RemoteSockets(sql, shard);
    this.#connections = new Connections(ctx.getWebSockets(), this.#remote, {
      restored: (session) => this.#names.use(session.identity, session.name, session.skeleton),
      departed: (session, now) => this.#departed(session, now),
      flushed: (events, sockets, lagMs, heldMs) => this.#shedding.delivered(events, sockets, lagMs, heldMs, Date.now()),
      speakers: () => latestSpeakers(sql),
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
    const [writer, conversation, history, changes] = [this.#writer, this.#conversation, this.#history, this.#changes];
    this.#dispatch = new FrameDispatch({ connections, writer, conversation, history, moderation, changes });
    const [store, traffic, shedding] = [this.#store, this.#traffic, this.#shedding];
    const remote = this.#remote;
    this.#housekeeping = new Housekeeping(ctx, {
      config,
      store,
      names,
      moderation,
      traffic,
      shedding,
      connections,
      remote,
    });
  }

  override async fetch(request: Request): Promise<Response> {
    const now = Date.now();
    const { joiner, refusal } = this.#checked(readJoiner(request.url), now);
    if (refusal) return refuse(refusal);
    // The room object holds one shard's worth of sockets itself; the rest go to its shards.
    if (this.#connections.localSize >= this.#config.shardSockets) {
      const shard = this.#remote.place(this.#config.shardSockets, now);
      return new Response(null, { status: 307, headers: { [SHARD_HEADER]: String(shard) } });
    }
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server);
    this.#admit(() => server, joiner, now);
    await this.#housekeeping.joined();
    return new Response(null, { status: 101, webSocket: client });
  }

  /** A shard accepted a socket: the room admits it as its own would be, or says why not. */
  async joinRemote(shard: number, id: number, asked: Joiner): Promise<RoomRefusal | null> {
    const now = Date.now();
    const { joiner, refusal } = this.#checked(asked, now);
    if (refusal) return refusal;
    if (this.ctx.id.name === undefined) this.ctx.storage.kv.put("room", asked.room);
    this.#admit((session) => this.#remote.create(shard, id, session), joiner, now);
    await this.#housekeeping.joined();
    return null;
  }

  /** What a shard forwards: frames its sockets sent (checked there), and sockets that left. */
  fromShard(shard: number, ops: RoomOp[]): void {
    this.#dispatch.fromShard(this.#remote, shard, ops);
    this.#connections.incoming();
  }

  /** The stored events after `after`, up to `upTo`: a shard fills a gap in what it was sent. */
  eventsAfter(after: number, upTo: number): LogEvent[] {
    return this.#history.between(after, upTo);
  }

  /** The joiner as the room shows them (a socket without a key is a person of its own while it lasts), checked. */
  #checked(asked: Joiner, now: number): { joiner: Joiner; refusal: RoomRefusal | null } {
    const joiner = this.#admission.shown({ ...asked, identity: asked.identity || `e:${crypto.randomUUID()}` }, now);
    return { joiner, refusal: this.#admission.check(joiner, now) };
  }

  #admit(socketFor: (session: Session) => RoomSocket, joiner: Joiner, now: number): void {
    const { identity } = joiner;
    this.#members.joined(identity, joiner.address, now);
    const { name, skeleton, role, address, roleUntil } = joiner;
    const session: Session = { name, joinedAt: now, address, identity, skeleton, role };
    if (roleUntil !== undefined) session.roleUntil = roleUntil;
    const ws = socketFor(session);
    const page = this.#history.welcome(ws, session, joiner.since, now);
    this.#names.use(identity, name, skeleton);
    this.#moderation.claimOwnership(identity);
    this.#rules.seen(identity, name, identity === this.#moderation.owner());
    this.#connections.add(
      ws,
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
    return { ...this.#connections.online(), lastSeq: this.#store.lastSeq, shards: this.#remote.shardCount };
  }

  override webSocketMessage(ws: WebSocket, data: string | ArrayBuffer): void {
    this.#dispatch.safely(ws, () => this.#receive(ws, data));
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
    const checked = checkFrame(ws, data, this.#traffic, Date.now());
    if (checked.ok) this.#dispatch.dispatch(ws, session, checked.frame);
    else if (checked.close) connections.close(ws, checked.close.code, checked.close.reason);
    else if (checked.reply) connections.sendTo(ws, checked.reply);
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
