import type { OnlineList, Session } from "./session";
import { RemoteSocket } from "./shards/remote-sockets";

/** A socket of the room: its own, or one a shard holds. */
export type RoomSocket = WebSocket | RemoteSocket;

/**
 * Who is in the room: each socket's session, its sockets by name and by
 * person, and counts by address, kept as sockets come and go, so a join
 * costs the same in a room of five or of five thousand. Names are listed in
 * the order their person joined (a Map keeps insertion order; a name that
 * leaves and returns goes last); when not all fit, those asked first (who
 * spoke last) go first.
 */
export class Roster {
  readonly #sessions = new Map<RoomSocket, Session>();
  readonly #byName = new Map<string, Set<RoomSocket>>();
  readonly #byIdentity = new Map<string, Set<RoomSocket>>();
  readonly #byAddress = new Map<string, number>();
  // The room object's own sockets (the rest are its shards').
  readonly #local = new Set<WebSocket>();
  #online: OnlineList | null = null;

  /** Rebuilds the roster after a wake, in join order. */
  static from(entries: [RoomSocket, Session][]): Roster {
    const roster = new Roster();
    for (const [ws, session] of entries.sort(([, a], [, b]) => a.joinedAt - b.joinedAt)) roster.add(ws, session);
    return roster;
  }

  get size(): number {
    return this.#sessions.size;
  }

  /** The room object's own sockets: they are what its fan-out sends to. */
  get localSize(): number {
    return this.#local.size;
  }

  /** People online: distinct names. */
  get people(): number {
    return this.#byName.size;
  }

  get(ws: RoomSocket): Session | undefined {
    return this.#sessions.get(ws);
  }

  sockets(): IterableIterator<WebSocket> {
    return this.#local.values();
  }

  /** Adds a socket; true when it is its name's first. */
  add(ws: RoomSocket, session: Session): boolean {
    this.#sessions.set(ws, session);
    if (!(ws instanceof RemoteSocket)) this.#local.add(ws);
    this.#online = null;
    bump(this.#byAddress, session.address, 1);
    const own = this.#byIdentity.get(session.identity);
    if (own) own.add(ws);
    else this.#byIdentity.set(session.identity, new Set([ws]));
    const sockets = this.#byName.get(session.name);
    if (sockets) sockets.add(ws);
    else this.#byName.set(session.name, new Set([ws]));
    return !sockets;
  }

  /** Removes a socket; its session, and whether it was its name's last. */
  remove(ws: RoomSocket): { session: Session; last: boolean } | null {
    const session = this.#sessions.get(ws);
    if (!session) return null;
    this.#sessions.delete(ws);
    if (!(ws instanceof RemoteSocket)) this.#local.delete(ws);
    this.#online = null;
    bump(this.#byAddress, session.address, -1);
    const own = this.#byIdentity.get(session.identity);
    own?.delete(ws);
    if (own?.size === 0) this.#byIdentity.delete(session.identity);
    const sockets = this.#byName.get(session.name);
    sockets?.delete(ws);
    if (sockets?.size === 0) this.#byName.delete(session.name);
    return { session, last: !this.#byName.has(session.name) };
  }

  isOnline(name: string): boolean {
    return this.#byName.has(name);
  }

  /** This person's sockets, in the order they joined (a copy: the caller may close them as it goes). */
  socketsOfIdentity(identity: string): RoomSocket[] {
    const sockets = this.#byIdentity.get(identity);
    return sockets ? [...sockets] : [];
  }

  /** The sockets of whoever goes by `name`. */
  socketsOf(name: string): ReadonlySet<RoomSocket> {
    return this.#byName.get(name) ?? new Set();
  }

  fromAddress(address: string): number {
    return this.#byAddress.get(address) ?? 0;
  }

  /**
   * Distinct names, at most `max` listed, all counted; computed once per change.
   * All in join order when all fit; else `first` (those online among them, in
   * its order), then join order for the rest.
   */
  online(max: number, first: () => Iterable<string> = () => []): OnlineList {
    if (this.#online) return this.#online;
    const online = this.#byName.size <= max ? [...this.#byName.keys()] : this.#firstOf(max, first());
    this.#online = { online, onlineCount: this.#byName.size };
    return this.#online;
  }

  /** The list's order changed (someone spoke): it is computed again when next asked. */
  reorder(): void {
    this.#online = null;
  }

  #firstOf(max: number, first: Iterable<string>): string[] {
    const listed = new Set<string>();
    for (const name of first) {
      if (listed.size === max) return [...listed];
      if (this.#byName.has(name)) listed.add(name);
    }
    for (const name of this.#byName.keys()) {
      if (listed.size === max) break;
      listed.add(name);
    }
    return [...listed];
  }
}

function bump(counts: Map<string, number>, key: string, delta: number): number {
  const count = (counts.get(key) ?? 0) + delta;
  if (count <= 0) counts.delete(key);
  else counts.set(key, count);
  return count;
}
