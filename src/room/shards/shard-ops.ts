// What the room object and its shards say to each other over RPC (never over a socket: those cannot hibernate).
import type { ClientMessage } from "../../shared";

/** The room's events and answers for one shard's sockets, in the room's order (one stream per shard). */
export type ShardOp =
  /** A broadcast; `except`: this shard's sockets that do not get it (the sender, who gets an ack). */
  | { t: "event"; json: string; seq?: number; except?: number[] }
  /** A socket the room admitted: its first frame; until it, the socket gets nothing. */
  | { t: "welcome"; id: number; json: string; lastSeq: number; held: boolean }
  /** A frame for one socket (an ack, an error, a history page). */
  | { t: "to"; id: number; json: string }
  /** A catch-up ended: events with a seq flow to the socket again. */
  | { t: "release"; id: number }
  | { t: "close"; id: number; code: number; reason: string };

/** What a shard forwards to the room: frames it checked (shape, size, rate), and sockets that left. */
export type RoomOp = { t: "frame"; id: number; frame: ClientMessage } | { t: "left"; id: number };

/** A batch of ops: `room` names the room object's life (a restart starts its batch numbers again). */
export type ShardBatch = { room: string; batch: number; ops: ShardOp[] };

/** The internal answer that sends an upgrade on to a shard (the worker follows it; clients never see it). */
export const SHARD_HEADER = "x-parley-shard";
/** A shard's answer when it holds all it may. */
export const SHARD_FULL_HEADER = "x-parley-shard-full";

/** The shard object's name: one name per room and index, so every worker finds the same object. */
export function shardName(room: string, index: number): string {
  return `${room}#${index}`;
}
