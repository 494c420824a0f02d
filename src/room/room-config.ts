import { LIMITS } from "../shared";
import type { SheddingOptions } from "./input-shedding";
import type { Retention } from "./log/message-store";

/** A room's settings, read once from the deployer's vars (wrangler.toml), with defaults for what is unset or bad. */
export type RoomConfig = {
  socketLimit: number;
  /** Most sockets one object holds: the room object itself, then each of its shards. */
  shardSockets: number;
  /** Sockets one address may hold: never more than half of the room. */
  perAddress: number;
  nameHoldDays: number;
  /** Names one identity may hold in the room once gone. */
  namesPerIdentity: number;
  /** History (welcome, catch-up and older pages) one socket may be sent a minute, in bytes. */
  historyBytesPerMinute: number;
  retention: Retention;
  /** Delete a room idle this many days (undefined: never). */
  idleDays?: number;
  /** When new messages are refused at the input (`rate_limited`): see `InputShedding`. */
  shedding: SheddingOptions;
};

// Deliveries (one message to one socket) a second one room is assumed to make before it measures its own.
// Measured saturated under wrangler dev on 2 cores (docs/benchmarks.md): 40-260k at 400 and 800 sockets, on
// one machine from hour to hour. Low, as a room measures its own; not lower, as at 200 sockets (0.8 x this /
// 200 = 600 messages a second) a room whose 200 people each send 2 a second must keep clear of it.
const DELIVERIES_PER_SECOND = 150_000;

export function roomConfig(env: Env): RoomConfig {
  const socketLimit = positiveInt(env.ROOM_SOCKET_LIMIT, 100_000);
  const perAddress = Math.max(1, Math.min(positiveInt(env.ROOM_SOCKETS_PER_ADDRESS, 250), Math.floor(socketLimit / 2)));
  // SPEC keeps at least 1000 messages, whatever the var says.
  const keep = Math.max(LIMITS.historyKept, positiveInt(env.HISTORY_KEEP, 10_000));
  const historyDays = optionalPositive(env.HISTORY_DAYS);
  const idleDays = optionalPositive(env.ROOM_IDLE_DAYS);
  return {
    socketLimit,
    shardSockets: shardSockets(env),
    perAddress,
    nameHoldDays: positiveInt(env.NAME_HOLD_DAYS, 30),
    namesPerIdentity: positiveInt(env.NAMES_PER_IDENTITY, 3),
    // Never less than one full page, or a page could never be sent.
    historyBytesPerMinute: Math.max(LIMITS.pageBytesMax, positiveInt(env.HISTORY_BYTES_PER_MINUTE, 8 * 1024 * 1024)),
    shedding: {
      deliveriesPerSecond: positiveInt(env.ROOM_DELIVERIES_PER_SECOND, DELIVERIES_PER_SECOND),
      lagMaxMs: LIMITS.shedLagMs,
      windowMs: LIMITS.shedWindowMs,
    },
    retention: historyDays === undefined ? { keep } : { keep, days: historyDays },
    ...(idleDays === undefined ? {} : { idleDays }),
  };
}

/** Sockets one object holds: at most 32,768 hibernatable sockets fit one object. */
export function shardSockets(env: Env): number {
  return Math.min(32_768, positiveInt(env.ROOM_SHARD_SOCKETS, 2000));
}

function positiveInt(raw: string | undefined, fallback: number): number {
  const configured = Number.parseInt(raw ?? "", 10);
  return Number.isSafeInteger(configured) && configured > 0 ? configured : fallback;
}

/** A var that may be left empty: a positive number, or undefined. */
function optionalPositive(raw: string | undefined): number | undefined {
  const value = Number(raw);
  return raw !== undefined && raw.trim() !== "" && Number.isFinite(value) && value > 0 ? value : undefined;
}
