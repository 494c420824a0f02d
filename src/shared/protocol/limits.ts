// Wire limits, close codes and error codes: what the server enforces and the page and other
// clients must know. Everything here is part of the wire contract (docs/protocol.md).

export const LIMITS = {
  /** Longest message text, in characters (code points) after trimming. */
  textMax: 2000,
  /** Longest display name, in characters after trimming. */
  nameMax: 32,
  /** Longest client message id. */
  idMax: 64,
  /** Largest incoming frame in UTF-8 bytes; larger ones close the socket with 1009. */
  frameBytesMax: 16 * 1024,
  /** Messages sent in `welcome` when the client gives no `since`. */
  historyOnJoin: 100,
  /** Messages a room keeps at the least (SPEC); the deployer's HISTORY_KEEP may raise it. */
  historyKept: 1000,
  /** Most messages one `older` request may ask for. */
  olderMax: 100,
  /** Most messages one `search` may ask for. */
  searchMax: 50,
  /** Longest search query, in characters. */
  searchQueryMax: 200,
  /** Most words in a search query. */
  searchWordsMax: 10,
  /** Distinct emoji on one message. */
  reactionsMax: 20,
  /** Longest ban in minutes (a year); without `minutes` a ban lasts until it is lifted. */
  banMinutesMax: 525_600,
  /** Longest slow-mode interval in seconds (an hour); 0 turns slow mode off. */
  slowSecondsMax: 3600,
  /** Frames a connection may send at once (token bucket capacity). */
  rateBurst: 10,
  /** Frames per second a connection may send, sustained (token bucket refill). */
  ratePerSecond: 3,
  /** Sends, edits, deletions and reactions one person may make at once, from all of their sockets... */
  writeBurst: 10,
  /** ...and per second, sustained. */
  writesPerSecond: 3,
  /** `received` reports and `catchup` requests: a bucket of their own, this many at once... */
  housekeepingBurst: 20,
  /** ...and this many per second, sustained. */
  housekeepingPerSecond: 10,
  /** Refused frames in a row after which a flooding connection is closed with 1008. */
  floodCloseAfter: 50,
  /**
   * Names listed in `online`; `onlineCount` always has the full count. With more
   * people online than this, joins and leaves are told only as a count (SPEC: 500).
   */
  onlineListMax: 500,
  /** With more than `onlineListMax` online, a `presence` `count` goes at most this often, when the count changed. */
  presenceCountMs: 5_000,
  /** Without a ping or a frame for this long, a socket is considered dead and closed. */
  idleTimeoutMs: 60_000,
  /** Largest `welcome` or `catchup` page, in UTF-8 bytes; the rest follows in further pages. */
  pageBytesMax: 256 * 1024,
  /** Most messages in one `catchup` page. */
  pageMessagesMax: 1000,
  /** Characters sent to a socket and not yet reported `received`; past this it is closed with 1013. */
  backlogCharsMax: 1024 * 1024,
  /** The page reports `received` at least this often while frames arrive... */
  receivedReportMs: 5_000,
  /** ...and at once after this many characters. */
  receivedReportChars: 64 * 1024,
  /** Most characters of frames one fan-out flush sends each socket; the rest goes in the next flush. */
  flushCharsMax: 64 * 1024,
  /** In a big room fewer: about this many characters sent by one flush to all sockets together (binds past 1,024 sockets)... */
  flushSendCharsMax: 64 * 1024 * 1024,
  /** ...but at least this many a socket. */
  flushCharsMin: 1024,
  /** When the room's oldest undelivered frame is older than this, writes past each sender's share get `rate_limited`... */
  shedLagMs: 1_000,
  /** ...the share being what the room delivered over this window, split among the senders active in it. */
  shedWindowMs: 2_000,
} as const;

export const CLOSE_CODES = {
  normal: 1000,
  goingAway: 1001,
  policyViolation: 1008,
  tooBig: 1009,
  tryAgainLater: 1013,
  internalError: 1011,
} as const;

export const ERROR_CODES = [
  "bad_json",
  "bad_message",
  "too_long",
  "rate_limited",
  "room_full",
  "too_many_connections",
  "not_stored",
  "bad_name",
  "name_taken",
  "unauthorized",
  "forbidden_room",
  "banned",
  "forbidden",
  "not_found",
  "kicked",
  "too_many",
  "slow_mode",
  "locked",
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];
