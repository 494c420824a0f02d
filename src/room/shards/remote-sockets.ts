import { ensureSchema, hasSchema } from "../log/schema";
import type { Session } from "../session";
import { readStoredSession } from "../session";
import type { ShardBatch, ShardOp } from "./shard-ops";

/** A socket one of the room's shards holds: the room knows it by shard and id, and keeps its session. */
export class RemoteSocket {
  constructor(
    readonly shard: number,
    readonly id: number,
    public session: Session,
  ) {}
}

/** What the room calls a shard by (a stub; remade after a call throws, as the runtime asks). */
export type ShardStub = { deliver(batch: ShardBatch): Promise<void>; socketIds(): Promise<number[]> };

type Link = { stub: ShardStub | null; pending: ShardOp[]; sending: boolean; batch: number };

// A shard the room placed a socket on counts that place this long, until the socket's join arrives.
const RESERVED_MS = 10_000;
// A batch a shard failed to take is sent again this many times (a fresh stub each time), then left
// to the shard's catch-up by seq: events with a seq are never lost, other frames may be.
const SEND_TRIES = 3;
const RETRY_DELAY_MS = 50;

/**
 * The sockets held by the room's shards, seen from the room object: who they
 * are (kept in SQLite, so a room object that restarts still knows everyone),
 * where the next socket goes (shards fill one after another), and one ordered
 * stream of ops per shard. The stream is sent in batches, at most one call in
 * flight per shard: what is queued meanwhile goes in the next batch, so a busy
 * room sends bigger batches, not more calls.
 *
 * Invariant: ops reach a shard in the order they were queued, each batch at
 * most once (a batch sent again carries its number, and a shard skips one it
 * has taken).
 */
export class RemoteSockets {
  readonly #sql: SqlStorage;
  readonly #stubFor: (index: number) => ShardStub;
  #flushing = false;
  readonly #sockets = new Map<string, RemoteSocket>();
  readonly #perShard = new Map<number, number>();
  readonly #reserved = new Map<number, number[]>();
  readonly #links = new Map<number, Link>();
  // This object's life: a shard that sees another starts counting batches again.
  readonly #life = crypto.randomUUID();

  constructor(sql: SqlStorage, stubFor: (index: number) => ShardStub) {
    this.#sql = sql;
    this.#stubFor = stubFor;
  }

  /** The sockets the shards held when this object last ran, read once when it wakes. */
  restore(): RemoteSocket[] {
    if (!hasSchema(this.#sql)) return [];
    ensureSchema(this.#sql);
    const rows = this.#sql.exec<{ shard: number; id: number; session: string }>(
      "SELECT shard, id, session FROM shard_sockets",
    );
    const restored: RemoteSocket[] = [];
    for (const { shard, id, session } of rows) {
      const read = readStoredSession(session);
      if (!read) continue;
      const socket = new RemoteSocket(shard, id, read);
      this.#track(socket);
      restored.push(socket);
    }
    return restored;
  }

  get size(): number {
    return this.#sockets.size;
  }

  /** How many shard objects hold sockets now. */
  get shardCount(): number {
    return this.#perShard.size;
  }

  get(shard: number, id: number): RemoteSocket | undefined {
    return this.#sockets.get(key(shard, id));
  }

  /** The shard the next socket goes to: the first (from 1) with a free place, counting places just given. */
  place(capacity: number, now: number): number {
    for (let index = 1; ; index++) {
      const reserved = (this.#reserved.get(index) ?? []).filter((at) => now - at < RESERVED_MS);
      if ((this.#perShard.get(index) ?? 0) + reserved.length < capacity) {
        reserved.push(now);
        this.#reserved.set(index, reserved);
        return index;
      }
    }
  }

  /** A socket a shard accepted, as the room will know it once admitted. */
  create(shard: number, id: number, session: Session): RemoteSocket {
    return new RemoteSocket(shard, id, session);
  }

  /** The room admitted the socket: its place is taken and it is kept. */
  add(socket: RemoteSocket): void {
    this.#reserved.get(socket.shard)?.shift();
    this.#track(socket);
    this.save(socket);
  }

  /** A shard forwarded a frame from a socket the room does not know (its join was lost): it is closed there. */
  lost(shard: number, id: number): void {
    this.#queue(shard, { t: "close", id, code: 1011, reason: "session lost" });
  }

  /** The room admitted the socket: its welcome goes first, and nothing before it reaches the socket. */
  welcome(socket: RemoteSocket, json: string, lastSeq: number): void {
    this.add(socket);
    const held = socket.session.catchupFrom !== undefined;
    this.send(socket, { t: "welcome", id: socket.id, json, lastSeq, held });
  }

  /** The socket's catch-up moved on or ended (then events with a seq flow to it again). */
  catchingUp(socket: RemoteSocket, session: Session): void {
    socket.session = session;
    this.save(socket);
    if (session.catchupFrom === undefined) this.send(socket, { t: "release", id: socket.id });
  }

  /** Stores the socket's session (its catch-up moved on). */
  save(socket: RemoteSocket): void {
    ensureSchema(this.#sql);
    this.#sql.exec(
      "INSERT OR REPLACE INTO shard_sockets (shard, id, session) VALUES (?, ?, ?)",
      socket.shard,
      socket.id,
      JSON.stringify(socket.session),
    );
  }

  remove(socket: RemoteSocket): void {
    if (this.#sockets.get(key(socket.shard, socket.id)) !== socket) return;
    this.#sockets.delete(key(socket.shard, socket.id));
    const left = (this.#perShard.get(socket.shard) ?? 1) - 1;
    if (left > 0) this.#perShard.set(socket.shard, left);
    else this.#perShard.delete(socket.shard);
    this.#sql.exec("DELETE FROM shard_sockets WHERE shard = ? AND id = ?", socket.shard, socket.id);
  }

  /** To every shard with sockets, but not to the sockets in `except`. */
  broadcast(json: string, seq: number | undefined, except: Iterable<RemoteSocket>): void {
    const skipped = new Map<number, number[]>();
    for (const socket of except) {
      const ids = skipped.get(socket.shard);
      if (ids) ids.push(socket.id);
      else skipped.set(socket.shard, [socket.id]);
    }
    for (const shard of this.#perShard.keys()) {
      const op: ShardOp = { t: "event", json };
      if (seq !== undefined) op.seq = seq;
      const ids = skipped.get(shard);
      if (ids) op.except = ids;
      this.#queue(shard, op);
    }
  }

  /** Queues an op for the shard that holds `socket`. */
  send(socket: RemoteSocket, op: ShardOp): void {
    this.#queue(socket.shard, op);
  }

  /** Sends every shard what is queued for it, unless a call to it is still out (then it goes next). */
  flush(): void {
    for (const [index, link] of this.#links) if (!link.sending && link.pending.length > 0) void this.#send(index, link);
  }

  #queue(shard: number, op: ShardOp): void {
    let link = this.#links.get(shard);
    if (!link) {
      link = { stub: null, pending: [], sending: false, batch: 0 };
      this.#links.set(shard, link);
    }
    link.pending.push(op);
    // Sent when this turn is done: a shard's own pace (one call in flight) does the batching, so no timer
    // (the runtime holds those back while frames keep arriving) ever stands between the room and its shards.
    if (this.#flushing) return;
    this.#flushing = true;
    queueMicrotask(() => {
      this.#flushing = false;
      this.flush();
    });
  }

  /**
   * Sockets the room thinks a shard holds but the shard does not (their leave was lost): `gone` departs them.
   * Only sockets known before asking are judged, so one that joins meanwhile is never taken for gone.
   */
  async reconcile(gone: (socket: RemoteSocket) => void): Promise<void> {
    const known = new Map<number, RemoteSocket[]>();
    for (const socket of this.#sockets.values()) {
      const list = known.get(socket.shard);
      if (list) list.push(socket);
      else known.set(socket.shard, [socket]);
    }
    for (const [shard, sockets] of known) {
      let held: Set<number>;
      try {
        held = new Set(await this.#stubFor(shard).socketIds());
      } catch (error) {
        console.error(`remote-sockets: shard ${shard} did not say which sockets it holds`, error);
        continue;
      }
      for (const socket of sockets) if (!held.has(socket.id)) gone(socket);
    }
  }

  async #send(index: number, link: Link): Promise<void> {
    link.sending = true;
    while (link.pending.length > 0) {
      const batch: ShardBatch = { room: this.#life, batch: ++link.batch, ops: link.pending };
      link.pending = [];
      for (let attempt = 1; ; attempt++) {
        try {
          link.stub ??= this.#stubFor(index);
          await link.stub.deliver(batch);
          break;
        } catch (error) {
          link.stub = null;
          if (attempt >= SEND_TRIES) {
            console.error(`remote-sockets: shard ${index} did not take batch ${batch.batch}`, error);
            break;
          }
          await new Promise((resolve) => setTimeout(resolve, RETRY_DELAY_MS * attempt));
        }
      }
    }
    link.sending = false;
  }

  #track(socket: RemoteSocket): void {
    this.#sockets.set(key(socket.shard, socket.id), socket);
    this.#perShard.set(socket.shard, (this.#perShard.get(socket.shard) ?? 0) + 1);
  }
}

function key(shard: number, id: number): string {
  return `${shard}:${id}`;
}
