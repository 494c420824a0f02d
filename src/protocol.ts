// The wire protocol: the one source for server, page and tests.
// Frames are JSON text; every incoming frame goes through parseClientMessage.

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
  /** Longest ban in minutes (a year); without `minutes` a ban lasts until it is lifted. */
  banMinutesMax: 525_600,
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
  /** Names listed in `online`; `onlineCount` always has the full count. */
  onlineListMax: 100,
  /** Without a ping or a frame for this long, a socket is considered dead and closed. */
  idleTimeoutMs: 60_000,
  /** Largest `welcome` or `catchup` page, in UTF-8 bytes; the rest follows in further pages. */
  pageBytesMax: 256 * 1024,
  /** Most messages in one `catchup` page. */
  pageMessagesMax: 1000,
  /** Characters sent to a socket and not yet reported `received`; past this it is closed with 1013. */
  backlogCharsMax: 1024 * 1024,
  /** The page reports `received` at least this often while frames arrive... */
  receivedReportMs: 2_000,
  /** ...and at once after this many characters. */
  receivedReportChars: 64 * 1024,
  /** Most characters of frames one fan-out flush sends each socket; the rest goes in the next flush. */
  flushCharsMax: 64 * 1024,
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

const ERROR_CODES = [
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
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export type SendFrame = { type: "send"; id: string; text: string };
export type TypingFrame = { type: "typing" };
/** How many characters (UTF-16 units, `pong` excluded) this socket has received in all: the room's backlog measure. */
export type ReceivedFrame = { type: "received"; chars: number };
/** The next page of events after `since`, while a `welcome` or `catchup` said `more`. */
export type CatchupRequest = { type: "catchup"; id: string; since: number };
export type EditFrame = { type: "edit"; id: string; target: number; text: string };
export type DeleteFrame = { type: "delete"; id: string; target: number };
export type OlderRequest = { type: "older"; id: string; before: number; limit: number };
export type ModerationAction = "kick" | "ban" | "unban";
export type ModerateFrame = { type: "moderate"; id: string; action: ModerationAction; name: string; minutes?: number };
export type ClientMessage =
  | SendFrame
  | TypingFrame
  | ReceivedFrame
  | CatchupRequest
  | EditFrame
  | DeleteFrame
  | OlderRequest
  | ModerateFrame;

export type ChatMessage = {
  type: "message";
  seq: number;
  id: string;
  name: string;
  text: string;
  ts: number;
  /** When it was last edited (never on the live frame). */
  editedAt?: number;
  /** Removed: `text` is empty and the words are gone from storage. */
  deleted?: true;
};
export type EditedEvent = { type: "edited"; seq: number; target: number; text: string; name: string; ts: number };
export type DeletedEvent = { type: "deleted"; seq: number; target: number; by: string; ts: number };
export type ModerationEvent = {
  type: "moderation";
  seq: number;
  action: ModerationAction;
  name: string;
  by: string;
  ts: number;
};
/** Everything `seq` numbers: what `since` replays. */
export type LogEvent = ChatMessage | EditedEvent | DeletedEvent | ModerationEvent;
export type Role = "owner" | "moderator" | "member";
export type WelcomeFrame = {
  type: "welcome";
  room: string;
  name: string;
  online: string[];
  /** How many people are online; `online` lists at most `onlineListMax` of them. */
  onlineCount: number;
  /** With `since`, the events after it; without, the latest messages in their current state. */
  history: LogEvent[];
  lastSeq: number;
  /** True when `history` was cut at `pageBytesMax`: ask for the rest with `catchup`. */
  more: boolean;
  /** What this person may do here (version 2; absent from older servers). */
  role: Role;
};
/** A page of events after the asked `since`; no live events reach the socket until one says `more: false`. */
export type CatchupFrame = { type: "catchup"; id: string; history: LogEvent[]; lastSeq: number; more: boolean };
/** Earlier messages, in their current state, oldest first. */
export type OlderFrame = { type: "older"; id: string; messages: ChatMessage[]; more: boolean };
export type AckFrame = { type: "ack"; id: string; seq: number; ts: number };
export type PresenceFrame = {
  type: "presence";
  event: "join" | "leave";
  name: string;
  /** When a crowd's changes were merged: everyone this frame announces (`name` is the first). */
  names?: string[];
  online: string[];
  onlineCount: number;
};
export type TypingNotice = { type: "typing"; name: string };
export type ErrorFrame = {
  type: "error";
  code: ErrorCode;
  message: string;
  id?: string;
  retryAfterMs?: number;
};
/** Frames that may travel inside a batch: everything but `welcome` and `batch`. */
export type BatchableFrame =
  | LogEvent
  | AckFrame
  | PresenceFrame
  | TypingNotice
  | ErrorFrame
  | CatchupFrame
  | OlderFrame;
export type BatchFrame = { type: "batch"; frames: BatchableFrame[] };
export type ServerMessage = WelcomeFrame | BatchableFrame | BatchFrame;

export type ParseResult<T> = { ok: true; value: T } | { ok: false; code: ErrorCode; message: string; id?: string };

// C0 controls, DEL and C1 controls.
const CONTROL_CHARS = /\p{Cc}/u;
// Message text may span lines and hold tabs; other control characters are refused.
const TEXT_CONTROL_CHARS = /[^\P{Cc}\n\r\t]/u;

/** Length in characters as a person counts them (code points, not UTF-16 units). */
export function charLength(value: string): number {
  let count = 0;
  for (const _ of value) count++;
  return count;
}

const isSeq = (v: unknown): v is number => typeof v === "number" && Number.isSafeInteger(v) && v >= 0;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function fail<T>(code: ErrorCode, message: string, id?: string): ParseResult<T> {
  return id === undefined ? { ok: false, code, message } : { ok: false, code, message, id };
}

/** Validates a display name; returns the trimmed name or why it is refused. */
export function parseName(raw: string | null | undefined): ParseResult<string> {
  if (raw === null || raw === undefined) return fail("bad_message", "name is required");
  if (!raw.isWellFormed()) return fail("bad_message", "name must be well-formed Unicode");
  const name = raw.trim();
  if (name.length === 0) return fail("bad_message", "name must not be empty");
  if (charLength(name) > LIMITS.nameMax) {
    return fail("bad_message", `name must be at most ${LIMITS.nameMax} characters`);
  }
  if (CONTROL_CHARS.test(name)) return fail("bad_message", "name must not contain control characters");
  return { ok: true, value: name };
}

/** Validates `since`: a whole number >= 0 written in decimal digits. */
export function parseSince(raw: string | null | undefined): ParseResult<number | undefined> {
  if (raw === null || raw === undefined) return { ok: true, value: undefined };
  if (!/^\d{1,15}$/.test(raw)) return fail("bad_message", "since must be a whole number >= 0");
  return { ok: true, value: Number(raw) };
}

function parseId(raw: unknown): ParseResult<string> {
  if (typeof raw !== "string") return fail("bad_message", "id must be a string");
  if (raw.length === 0 || raw.length > LIMITS.idMax) {
    return fail("bad_message", `id must be 1-${LIMITS.idMax} characters`);
  }
  if (CONTROL_CHARS.test(raw)) return fail("bad_message", "id must not contain control characters");
  // SQLite would store a lone surrogate as U+FFFD: another id than the one in memory.
  if (!raw.isWellFormed()) return fail("bad_message", "id must be well-formed Unicode");
  return { ok: true, value: raw };
}

function parseSend(frame: Record<string, unknown>): ParseResult<SendFrame> {
  const id = parseId(frame.id);
  if (!id.ok) return id;
  const text = parseText(frame.text, id.value);
  if (!text.ok) return text;
  return { ok: true, value: { type: "send", id: id.value, text: text.value } };
}

/** Message text: well-formed, 1-2000 characters after trimming, line breaks and tabs only. */
function parseText(text: unknown, id: string): ParseResult<string> {
  if (typeof text !== "string") return fail("bad_message", "text must be a string", id);
  if (!text.isWellFormed()) return fail("bad_message", "text must be well-formed Unicode", id);
  const trimmed = text.trim();
  if (trimmed.length === 0) return fail("bad_message", "text must not be empty", id);
  if (charLength(trimmed) > LIMITS.textMax) {
    return fail("too_long", `text must be at most ${LIMITS.textMax} characters`, id);
  }
  if (TEXT_CONTROL_CHARS.test(trimmed)) return fail("bad_message", "text must not contain control characters", id);
  return { ok: true, value: trimmed };
}

function parseEdit(frame: Record<string, unknown>): ParseResult<EditFrame> {
  const id = parseId(frame.id);
  if (!id.ok) return id;
  if (!isSeq(frame.target)) return fail("bad_message", "target must be a message's seq", id.value);
  const text = parseText(frame.text, id.value);
  if (!text.ok) return text;
  return { ok: true, value: { type: "edit", id: id.value, target: frame.target, text: text.value } };
}

function parseOlder(frame: Record<string, unknown>): ParseResult<OlderRequest> {
  const id = parseId(frame.id);
  if (!id.ok) return id;
  if (!isSeq(frame.before)) return fail("bad_message", "before must be a seq", id.value);
  const { limit } = frame;
  if (!isSeq(limit) || limit < 1 || limit > LIMITS.olderMax) {
    return fail("bad_message", `limit must be a whole number from 1 to ${LIMITS.olderMax}`, id.value);
  }
  return { ok: true, value: { type: "older", id: id.value, before: frame.before, limit } };
}

function parseModerate(frame: Record<string, unknown>): ParseResult<ModerateFrame> {
  const id = parseId(frame.id);
  if (!id.ok) return id;
  const { action, name, minutes } = frame;
  if (action !== "kick" && action !== "ban" && action !== "unban") {
    return fail("bad_message", 'action must be "kick", "ban" or "unban"', id.value);
  }
  if (typeof name !== "string" || name.length === 0 || !name.isWellFormed() || charLength(name) > LIMITS.nameMax * 4) {
    return fail("bad_message", "name must name a person in this room", id.value);
  }
  const value: ModerateFrame = { type: "moderate", id: id.value, action, name };
  if (minutes !== undefined) {
    if (action !== "ban" || !isSeq(minutes) || minutes < 1 || minutes > LIMITS.banMinutesMax) {
      return fail(
        "bad_message",
        `minutes must be a whole number from 1 to ${LIMITS.banMinutesMax}, on a ban`,
        id.value,
      );
    }
    value.minutes = minutes;
  }
  return { ok: true, value };
}

export type AdminAction =
  | { action: "delete"; target: number }
  | { action: ModerationAction; name: string; minutes?: number };

/** The body of a deployer's `POST /api/rooms/<room>/moderation`. */
export function parseAdminAction(body: unknown): ParseResult<AdminAction> {
  if (!isRecord(body)) return fail("bad_json", "the body must be a JSON object");
  if (body.action === "delete") {
    return isSeq(body.target)
      ? { ok: true, value: { action: "delete", target: body.target } }
      : fail("bad_message", "target must be a message's seq");
  }
  const parsed = parseModerate({ ...body, id: "admin" });
  if (!parsed.ok) return fail(parsed.code, parsed.message);
  const { action, name, minutes } = parsed.value;
  return { ok: true, value: minutes === undefined ? { action, name } : { action, name, minutes } };
}

/** Parses one incoming text frame. Pure; never throws. */
export function parseClientMessage(data: string): ParseResult<ClientMessage> {
  let frame: unknown;
  try {
    frame = JSON.parse(data);
  } catch {
    return fail("bad_json", "frame is not valid JSON");
  }
  if (!isRecord(frame)) return fail("bad_json", "frame must be a JSON object");
  switch (frame.type) {
    case "send":
      return parseSend(frame);
    case "typing":
      return { ok: true, value: { type: "typing" } };
    case "received":
      return isSeq(frame.chars)
        ? { ok: true, value: { type: "received", chars: frame.chars } }
        : fail("bad_message", "chars must be a whole number >= 0");
    case "catchup": {
      const id = parseId(frame.id);
      if (!id.ok) return id;
      return isSeq(frame.since)
        ? { ok: true, value: { type: "catchup", id: id.value, since: frame.since } }
        : fail("bad_message", "since must be a whole number >= 0", id.value);
    }
    case "edit":
      return parseEdit(frame);
    case "delete": {
      const id = parseId(frame.id);
      if (!id.ok) return id;
      if (!isSeq(frame.target)) return fail("bad_message", "target must be a message's seq", id.value);
      return { ok: true, value: { type: "delete", id: id.value, target: frame.target } };
    }
    case "older":
      return parseOlder(frame);
    case "moderate":
      return parseModerate(frame);
    case undefined:
      return fail("bad_message", "frame has no type");
    default:
      return fail("bad_message", `unknown frame type ${JSON.stringify(frame.type).slice(0, 40)}`);
  }
}

/** UTF-8 size of a frame, computed only when the cheap bound does not settle it. */
export function exceedsFrameLimit(data: string): boolean {
  if (data.length * 3 <= LIMITS.frameBytesMax) return false;
  if (data.length > LIMITS.frameBytesMax) return true;
  return new TextEncoder().encode(data).byteLength > LIMITS.frameBytesMax;
}

// --- Server frames, as the page reads them -------------------------------

const isString = (v: unknown): v is string => typeof v === "string";
const isStringArray = (v: unknown): v is string[] => Array.isArray(v) && v.every(isString);
const isErrorCode = (v: unknown): v is ErrorCode => (ERROR_CODES as readonly unknown[]).includes(v);

// `onlineCount` is Parley's addition to SPEC; a server without it means "all listed".
function countOf(f: Record<string, unknown>): number {
  return isSeq(f.onlineCount) ? f.onlineCount : isStringArray(f.online) ? f.online.length : 0;
}

function parseChatMessage(f: Record<string, unknown>): ChatMessage | null {
  const { seq, id, name, text, ts } = f;
  if (!isSeq(seq) || !isString(id) || !isString(name) || !isString(text) || !isSeq(ts)) return null;
  const message: ChatMessage = { type: "message", seq, id, name, text, ts };
  if (isSeq(f.editedAt)) message.editedAt = f.editedAt;
  if (f.deleted === true) message.deleted = true;
  return message;
}

const isAction = (v: unknown): v is ModerationAction => v === "kick" || v === "ban" || v === "unban";

function parseLogEvent(f: Record<string, unknown>): LogEvent | null {
  switch (f.type) {
    case "message":
      return parseChatMessage(f);
    case "edited":
      return isSeq(f.seq) && isSeq(f.target) && isString(f.text) && isString(f.name) && isSeq(f.ts)
        ? { type: "edited", seq: f.seq, target: f.target, text: f.text, name: f.name, ts: f.ts }
        : null;
    case "deleted":
      return isSeq(f.seq) && isSeq(f.target) && isString(f.by) && isSeq(f.ts)
        ? { type: "deleted", seq: f.seq, target: f.target, by: f.by, ts: f.ts }
        : null;
    case "moderation":
      return isSeq(f.seq) && isAction(f.action) && isString(f.name) && isString(f.by) && isSeq(f.ts)
        ? { type: "moderation", seq: f.seq, action: f.action, name: f.name, by: f.by, ts: f.ts }
        : null;
    default:
      return null;
  }
}

function parseBatchable(f: Record<string, unknown>): BatchableFrame | null {
  switch (f.type) {
    case "message":
    case "edited":
    case "deleted":
    case "moderation":
      return parseLogEvent(f);
    case "older": {
      const messages = parseList(f.messages, parseChatMessage);
      return isString(f.id) && messages && typeof f.more === "boolean"
        ? { type: "older", id: f.id, messages, more: f.more }
        : null;
    }
    case "ack":
      return isString(f.id) && isSeq(f.seq) && isSeq(f.ts) ? { type: "ack", id: f.id, seq: f.seq, ts: f.ts } : null;
    case "presence":
      return (f.event === "join" || f.event === "leave") && isString(f.name) && isStringArray(f.online)
        ? {
            type: "presence",
            event: f.event,
            name: f.name,
            online: f.online,
            onlineCount: countOf(f),
            ...(isStringArray(f.names) ? { names: f.names } : {}),
          }
        : null;
    case "typing":
      return isString(f.name) ? { type: "typing", name: f.name } : null;
    case "catchup": {
      const history = parseHistory(f.history);
      return isString(f.id) && history && isSeq(f.lastSeq) && typeof f.more === "boolean"
        ? { type: "catchup", id: f.id, history, lastSeq: f.lastSeq, more: f.more }
        : null;
    }
    case "error": {
      if (!isErrorCode(f.code) || !isString(f.message)) return null;
      const frame: ErrorFrame = { type: "error", code: f.code, message: f.message };
      if (isString(f.id)) frame.id = f.id;
      if (isSeq(f.retryAfterMs)) frame.retryAfterMs = f.retryAfterMs;
      return frame;
    }
    default:
      return null;
  }
}

function parseList<T>(value: unknown, parse: (f: Record<string, unknown>) => T | null): T[] | null {
  if (!Array.isArray(value)) return null;
  const items: T[] = [];
  for (const item of value) {
    const parsed = isRecord(item) ? parse(item) : null;
    if (!parsed) return null;
    items.push(parsed);
  }
  return items;
}

const parseHistory = (value: unknown) => parseList(value, parseLogEvent);
const isRole = (v: unknown): v is Role => v === "owner" || v === "moderator" || v === "member";

/** Parses a server frame; null when it is not one this protocol defines. Never throws. */
export function parseServerMessage(data: string): ServerMessage | null {
  let f: unknown;
  try {
    f = JSON.parse(data);
  } catch {
    return null;
  }
  if (!isRecord(f)) return null;
  if (f.type === "welcome") {
    const { room, name, online, lastSeq } = f;
    const onlineCount = countOf(f);
    const history = parseHistory(f.history);
    if (!isString(room) || !isString(name) || !isStringArray(online) || !history || !isSeq(lastSeq)) return null;
    // `more` is new in version 2; an older server never cuts history.
    const role = isRole(f.role) ? f.role : "member";
    return { type: "welcome", room, name, online, onlineCount, history, lastSeq, more: f.more === true, role };
  }
  if (f.type === "batch") {
    if (!Array.isArray(f.frames)) return null;
    const frames: BatchableFrame[] = [];
    for (const item of f.frames) {
      const frame = isRecord(item) ? parseBatchable(item) : null;
      if (!frame) return null;
      frames.push(frame);
    }
    return { type: "batch", frames };
  }
  return parseBatchable(f);
}

/** A batch's frames in order, or the single frame: how a client handles `batch`. */
export function unbatch(frame: ServerMessage): (WelcomeFrame | BatchableFrame)[] {
  return frame.type === "batch" ? frame.frames : [frame];
}
