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
  /** Messages the room keeps at least; older ones are pruned. */
  historyKept: 1000,
  /** Frames a connection may send at once (token bucket capacity). */
  rateBurst: 10,
  /** Frames per second a connection may send, sustained (token bucket refill). */
  ratePerSecond: 3,
  /** `received` reports per second, sustained, on a bucket of their own. */
  reportsPerSecond: 4,
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
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export type SendFrame = { type: "send"; id: string; text: string };
export type TypingFrame = { type: "typing" };
/** How many characters (UTF-16 units, `pong` excluded) this socket has received in all: the room's backlog measure. */
export type ReceivedFrame = { type: "received"; chars: number };
/** The next page of events after `since`, while a `welcome` or `catchup` said `more`. */
export type CatchupRequest = { type: "catchup"; id: string; since: number };
export type ClientMessage = SendFrame | TypingFrame | ReceivedFrame | CatchupRequest;

export type ChatMessage = {
  type: "message";
  seq: number;
  id: string;
  name: string;
  text: string;
  ts: number;
};
export type WelcomeFrame = {
  type: "welcome";
  room: string;
  name: string;
  online: string[];
  /** How many people are online; `online` lists at most `onlineListMax` of them. */
  onlineCount: number;
  history: ChatMessage[];
  lastSeq: number;
  /** True when `history` was cut at `pageBytesMax`: ask for the rest with `catchup`. */
  more: boolean;
};
/** A page of events after the asked `since`; no live messages reach the socket until one says `more: false`. */
export type CatchupFrame = { type: "catchup"; id: string; history: ChatMessage[]; lastSeq: number; more: boolean };
export type AckFrame = { type: "ack"; id: string; seq: number; ts: number };
export type PresenceFrame = {
  type: "presence";
  event: "join" | "leave";
  name: string;
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
export type BatchableFrame = ChatMessage | AckFrame | PresenceFrame | TypingNotice | ErrorFrame | CatchupFrame;
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
  const text = frame.text;
  if (typeof text !== "string") return fail("bad_message", "text must be a string", id.value);
  if (!text.isWellFormed()) return fail("bad_message", "text must be well-formed Unicode", id.value);
  const trimmed = text.trim();
  if (trimmed.length === 0) return fail("bad_message", "text must not be empty", id.value);
  if (charLength(trimmed) > LIMITS.textMax) {
    return fail("too_long", `text must be at most ${LIMITS.textMax} characters`, id.value);
  }
  if (TEXT_CONTROL_CHARS.test(trimmed)) {
    return fail("bad_message", "text must not contain control characters", id.value);
  }
  return { ok: true, value: { type: "send", id: id.value, text: trimmed } };
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
  return { type: "message", seq, id, name, text, ts };
}

function parseBatchable(f: Record<string, unknown>): BatchableFrame | null {
  switch (f.type) {
    case "message":
      return parseChatMessage(f);
    case "ack":
      return isString(f.id) && isSeq(f.seq) && isSeq(f.ts) ? { type: "ack", id: f.id, seq: f.seq, ts: f.ts } : null;
    case "presence":
      return (f.event === "join" || f.event === "leave") && isString(f.name) && isStringArray(f.online)
        ? { type: "presence", event: f.event, name: f.name, online: f.online, onlineCount: countOf(f) }
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

function parseHistory(value: unknown): ChatMessage[] | null {
  if (!Array.isArray(value)) return null;
  const messages: ChatMessage[] = [];
  for (const item of value) {
    const message = isRecord(item) ? parseChatMessage(item) : null;
    if (!message) return null;
    messages.push(message);
  }
  return messages;
}

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
    return { type: "welcome", room, name, online, onlineCount, history, lastSeq, more: f.more === true };
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
