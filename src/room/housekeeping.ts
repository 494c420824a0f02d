import { CLOSE_CODES, DAY_MS, LIMITS } from "../shared";
import type { Connections } from "./connections";
import type { InputShedding } from "./input-shedding";
import type { MessageStore } from "./log/message-store";
import type { Moderation } from "./log/moderation";
import type { NameClaims } from "./log/name-claims";
import { forgetSchema } from "./log/schema";
import type { RoomConfig } from "./room-config";
import type { RemoteSockets } from "./shards/remote-sockets";
import type { Traffic } from "./traffic";

// How often a room with sockets looks for dead ones.
const PRUNE_EVERY_MS = LIMITS.idleTimeoutMs / 2;

export type HousekeepingParts = {
  config: RoomConfig;
  store: MessageStore;
  names: NameClaims;
  moderation: Moderation;
  traffic: Traffic;
  shedding: InputShedding;
  connections: Connections;
  remote: RemoteSockets;
};

/**
 * The room's alarm: while it has sockets, every 30 s it closes dead and
 * stalled ones and ages out budgets, history, holds and bans. Once empty, it
 * keeps the owner (a hold's time after their last visit), bans and name
 * holds while any lasts, waking daily to age them; only a room with none of
 * them, and no history worth keeping, deletes all its storage.
 */
export class Housekeeping {
  readonly #ctx: DurableObjectState;
  readonly #parts: HousekeepingParts;
  // Whether the alarm is known to be set; checked in storage once per wake.
  #alarmSet = false;

  constructor(ctx: DurableObjectState, parts: HousekeepingParts) {
    this.#ctx = ctx;
    this.#parts = parts;
  }

  /** A socket joined: the alarm must be set. */
  async joined(): Promise<void> {
    if (this.#alarmSet) return;
    const storage = this.#ctx.storage;
    if ((await storage.getAlarm()) === null) await storage.setAlarm(Date.now() + PRUNE_EVERY_MS);
    this.#alarmSet = true;
  }

  async alarm(now: number): Promise<void> {
    const { config, store, names, moderation, traffic, shedding } = this.#parts;
    this.pruneIdleSockets(now);
    // A shard's socket whose leave never reached the room leaves now.
    await this.#parts.remote.reconcile((socket) => this.#parts.connections.departed(socket));
    traffic.prune(now);
    shedding.prune(now);
    const holds = names.prune(now);
    const bans = moderation.prune(now);
    store.prune(now);
    const storage = this.#ctx.storage;
    // Sockets on its shards count too: the room is not empty while they are there.
    this.#alarmSet = this.#parts.connections.size > 0;
    if (this.#alarmSet) {
      await storage.setAlarm(now + PRUNE_EVERY_MS);
      return;
    }
    const { idleDays, retention, nameHoldDays } = config;
    const lastUse = store.lastActivity();
    const keptFor = holds || bans || now - moderation.ownerLastSeen() < nameHoldDays * DAY_MS;
    const historyGone = store.lastSeq === 0 || (idleDays !== undefined && now - lastUse >= idleDays * DAY_MS);
    if (historyGone && !keptFor) {
      // Never used, or idle past the deployer's limit, and nobody's name or ban to keep: leave nothing behind.
      await storage.deleteAll();
      forgetSchema(storage.sql);
      moderation.forget();
      store.reset();
      return;
    }
    // An empty room wakes only to age out history, holds and bans, or to be deleted when idle.
    const next = Math.min(
      retention.days === undefined && !keptFor ? Number.POSITIVE_INFINITY : now + DAY_MS,
      idleDays === undefined ? Number.POSITIVE_INFINITY : Math.max(now + DAY_MS, lastUse + idleDays * DAY_MS),
    );
    if (Number.isFinite(next)) await storage.setAlarm(next);
  }

  /**
   * Closes sockets that neither pinged (the runtime's auto-response, which does
   * not wake the room, records when) nor sent a frame within the idle timeout,
   * and readers that reported once but went silent with frames unread.
   */
  pruneIdleSockets(now: number): number {
    const { traffic, connections } = this.#parts;
    let pruned = 0;
    for (const ws of this.#ctx.getWebSockets()) {
      const lastPing = this.#ctx.getWebSocketAutoResponseTimestamp(ws)?.getTime() ?? 0;
      const lastFrame = traffic.lastFrameAt(ws) ?? 0;
      const joinedAt = connections.session(ws)?.joinedAt ?? 0;
      if (now - Math.max(lastPing, lastFrame, joinedAt) > LIMITS.idleTimeoutMs) {
        connections.close(ws, CLOSE_CODES.goingAway, "no heartbeat");
        pruned++;
      } else if (connections.stalled(ws, now)) {
        // Still pinging, no longer reading: it holds a place and a buffer.
        connections.close(ws, CLOSE_CODES.tryAgainLater, "too far behind");
        pruned++;
      }
    }
    return pruned;
  }
}
