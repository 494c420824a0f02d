import { DurableObject } from "cloudflare:workers";
import { CLOSE_CODES, type Joiner, LIMITS, type LogEvent, readJoiner, type ServerMessage } from "../../shared";
import type { RoomRefusal } from "../admission";
import { checkFrame, RESERVED_CLOSE_CODES } from "../frame-check";
import { shardSockets } from "../room-config";
import { Traffic } from "../traffic";
import { type RoomOp, SHARD_FULL_HEADER, type ShardBatch, type ShardOp } from "./shard-ops";
import { ShardSockets } from "./shard-sockets";

/** What a shard calls its room object by. */
type RoomStub = {
  joinRemote(shard: number, id: number, joiner: Joiner): Promise<RoomRefusal | null>;
  fromShard(shard: number, ops: RoomOp[]): Promise<void>;
  eventsAfter(after: number, upTo: number): Promise<LogEvent[]>;
};

/** The room's life and the last batch and seq this shard applied of it. */
type Position = { life: string; batch: number; lastSeq?: number };

// A call to the room that throws is made again on a new stub this many times.
const ROOM_TRIES = 3;
const PRUNE_EVERY_MS = LIMITS.idleTimeoutMs / 2;

/**
 * One shard of a big room: it holds up to `ROOM_SHARD_SOCKETS` of the room's
 * hibernatable sockets, checks what it can alone (frame size, shape, each
 * socket's rate and progress reports), forwards the rest to the room object in
 * batches, and delivers the room's stream of events to its sockets.
 *
 * Invariants: the stream is applied in order, each batch once; an event with a
 * seq is delivered once (a seq at or below the last one is dropped), and a gap
 * in seqs is filled from the room's log before what follows it.
 */
export class RoomShard extends DurableObject<Env> {
  readonly #sockets: ShardSockets;
  readonly #traffic = new Traffic(Number.POSITIVE_INFINITY);
  #room: RoomStub | null = null;
  #toRoom: RoomOp[] = [];
  #forwarding = false;
  // The room's stream, applied one batch after another.
  #stream: Promise<void> = Promise.resolve();
  #at: Position | undefined;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair("ping", "pong"));
    this.#sockets = new ShardSockets(ctx.getWebSockets());
  }

  override async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const joiner = readJoiner(request.url);
    const index = Number(url.searchParams.get("shard"));
    const kv = this.ctx.storage.kv;
    // Written once: each write is billed as a row.
    if (kv.get<string>("room") !== joiner.room) kv.put("room", joiner.room);
    if (kv.get<number>("index") !== index) kv.put("index", index);
    if (this.#sockets.size >= shardSockets(this.env)) {
      return new Response("this shard is full", { status: 503, headers: { [SHARD_FULL_HEADER]: "1" } });
    }
    const id = (kv.get<number>("nextId") ?? 0) + 1;
    kv.put("nextId", id);
    const now = Date.now();
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server);
    this.#sockets.accept(server, id, now);
    const refusal = await this.#callRoom((room) => room.joinRemote(index, id, joiner)).catch(
      (error: unknown): RoomRefusal => {
        console.error("room-shard: the room did not answer a join", error);
        return { code: "room_full", message: "the room is busy; try again later" };
      },
    );
    if (refusal) {
      const { code, message, retryAfterMs } = refusal;
      const frame: ServerMessage = {
        type: "error",
        code,
        message,
        ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
      };
      server.send(JSON.stringify(frame));
      const later = code === "room_full" || code === "too_many_connections";
      this.#sockets.close(server, later ? CLOSE_CODES.tryAgainLater : CLOSE_CODES.policyViolation, code);
    } else if ((await this.ctx.storage.getAlarm()) === null) {
      await this.ctx.storage.setAlarm(now + PRUNE_EVERY_MS);
    }
    return new Response(null, { status: 101, webSocket: client });
  }

  /** The room's next batch of its stream: applied after every batch before it. */
  deliver(batch: ShardBatch): Promise<void> {
    this.#stream = this.#stream
      .then(() => this.#apply(batch))
      .catch((error: unknown) => {
        console.error("room-shard: failed applying the room's batch", error);
      });
    return this.#stream;
  }

  /** The ids of the sockets this shard holds. */
  socketIds(): number[] {
    return this.#sockets.ids();
  }

  async #apply({ room, batch, ops }: ShardBatch): Promise<void> {
    const position = this.#position();
    // A batch sent again after a failed call is skipped; a new room life counts from 1.
    if (position.life === room && batch <= position.batch) return;
    for (const op of ops) {
      if (op.t === "event" && op.seq !== undefined && !(await this.#inOrder(position, op.seq))) continue;
      if (op.t === "welcome") await this.#welcomeAt(position, op.lastSeq);
      this.#sockets.apply(op);
    }
    position.life = room;
    position.batch = batch;
    // One row written a batch, not one an event (each is billed).
    this.ctx.storage.kv.put("position", position);
    this.#sockets.incoming();
  }

  /** Where this shard is in the room's stream: kept in memory, read from storage once a wake. */
  #position(): Position {
    this.#at ??= this.ctx.storage.kv.get<Position>("position") ?? { life: "", batch: 0 };
    return this.#at;
  }

  /** Whether an event with this seq is next: a duplicate is dropped, a gap before it filled from the room's log. */
  async #inOrder(position: Position, seq: number): Promise<boolean> {
    const last = position.lastSeq;
    if (last !== undefined && seq <= last) return false;
    if (last !== undefined && seq > last + 1 && this.#sockets.listening) await this.#fill(last, seq - 1);
    position.lastSeq = seq;
    return true;
  }

  /** A socket's welcome covers the log up to `lastSeq`: the sockets here get what they missed before it. */
  async #welcomeAt(position: Position, lastSeq: number): Promise<void> {
    const last = position.lastSeq;
    if (last !== undefined && lastSeq > last && this.#sockets.listening) await this.#fill(last, lastSeq);
    if (last === undefined || lastSeq > last) position.lastSeq = lastSeq;
  }

  async #fill(after: number, upTo: number): Promise<void> {
    const events = await this.#callRoom((room) => room.eventsAfter(after, upTo));
    for (const event of events) this.#sockets.apply({ t: "event", json: JSON.stringify(event), seq: event.seq });
  }

  override webSocketMessage(ws: WebSocket, data: string | ArrayBuffer): void {
    this.#receive(ws, data);
    this.#sockets.incoming();
  }

  #receive(ws: WebSocket, data: string | ArrayBuffer): void {
    const id = this.#sockets.idOf(ws);
    if (id === undefined) {
      this.#sockets.close(ws, CLOSE_CODES.internalError, "session lost");
      return;
    }
    const checked = checkFrame(ws, data, this.#traffic, Date.now());
    if (!checked.ok) {
      if (checked.close) this.#left(ws, checked.close.code, checked.close.reason);
      else if (checked.reply) this.#reply(id, checked.reply);
      return;
    }
    const frame = checked.frame;
    if (frame.type === "received") {
      if (!this.#sockets.received(ws, frame.chars, Date.now())) this.#forward({ t: "left", id });
      return;
    }
    this.#forward({ t: "frame", id, frame });
  }

  override webSocketClose(ws: WebSocket, code: number, reason: string): void {
    this.#left(ws, RESERVED_CLOSE_CODES.has(code) ? CLOSE_CODES.normal : code, reason);
  }

  override webSocketError(ws: WebSocket, error: unknown): void {
    console.error("room-shard: socket error", error);
    this.#left(ws, CLOSE_CODES.internalError, "socket error");
  }

  override async alarm(): Promise<void> {
    const now = Date.now();
    this.pruneIdleSockets(now);
    if (this.ctx.getWebSockets().length > 0) await this.ctx.storage.setAlarm(now + PRUNE_EVERY_MS);
  }

  /** Closes sockets that neither pinged nor sent a frame within the idle timeout, and stalled readers. */
  pruneIdleSockets(now: number): void {
    for (const ws of this.ctx.getWebSockets()) {
      const lastPing = this.ctx.getWebSocketAutoResponseTimestamp(ws)?.getTime() ?? 0;
      const lastFrame = this.#traffic.lastFrameAt(ws) ?? 0;
      if (now - Math.max(lastPing, lastFrame, this.#sockets.joinedAt(ws)) > LIMITS.idleTimeoutMs) {
        this.#left(ws, CLOSE_CODES.goingAway, "no heartbeat");
      } else if (this.#sockets.stalled(ws, now)) this.#left(ws, CLOSE_CODES.tryAgainLater, "too far behind");
    }
  }

  /** A frame for one socket that needs nothing of the room (a refusal the shard made itself). */
  #reply(id: number, frame: ServerMessage): void {
    this.#sockets.apply({ t: "to", id, json: JSON.stringify(frame) } satisfies ShardOp);
  }

  /** Closes the socket here and tells the room it left. */
  #left(ws: WebSocket, code: number, reason: string): void {
    const id = this.#sockets.close(ws, code, reason);
    if (id !== undefined) this.#forward({ t: "left", id });
  }

  /** Queues an op for the room: one call at a time, and what waits meanwhile goes in the next. */
  #forward(op: RoomOp): void {
    this.#toRoom.push(op);
    if (this.#forwarding) return;
    this.#forwarding = true;
    queueMicrotask(() => void this.#forwardAll());
  }

  async #forwardAll(): Promise<void> {
    const index = this.ctx.storage.kv.get<number>("index") ?? 0;
    while (this.#toRoom.length > 0) {
      const ops = this.#toRoom;
      this.#toRoom = [];
      await this.#callRoom((room) => room.fromShard(index, ops)).catch((error: unknown) => {
        console.error("room-shard: the room did not take forwarded frames", error);
      });
    }
    this.#forwarding = false;
  }

  /** A call to the room object, made again on a new stub when it throws (the runtime's rule for stubs). */
  async #callRoom<T>(call: (room: RoomStub) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        this.#room ??= this.env.ROOMS.getByName(this.ctx.storage.kv.get<string>("room") ?? "");
        return await call(this.#room);
      } catch (error) {
        this.#room = null;
        if (attempt >= ROOM_TRIES) throw error;
      }
    }
  }
}
