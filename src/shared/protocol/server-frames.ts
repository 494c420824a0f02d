// Frames from the server, as the page and test clients read them: null for anything this
// protocol does not define; never throws.

import { isOneEmoji } from "./conversation";
import type {
  BanEntry,
  BatchableFrame,
  ChatMessage,
  ErrorFrame,
  LogEvent,
  ModerationAction,
  ModerationEvent,
  Role,
  ServerMessage,
  WelcomeFrame,
} from "./frames";
import { isRecord, isSeq } from "./guards";
import { ERROR_CODES, type ErrorCode } from "./limits";

const isString = (v: unknown): v is string => typeof v === "string";
const isBoolean = (v: unknown): v is boolean => typeof v === "boolean";
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
  if (isSeq(f.replyTo)) message.replyTo = f.replyTo;
  if (isRecord(f.reactions)) {
    const reactions: Record<string, string[]> = {};
    // Only emoji keys: a key such as `__proto__` would not be a reaction.
    for (const [emoji, names] of Object.entries(f.reactions)) {
      if (isOneEmoji(emoji) && isStringArray(names)) reactions[emoji] = names;
    }
    message.reactions = reactions;
  }
  return message;
}

const ACTIONS: readonly unknown[] = [
  "kick",
  "ban",
  "unban",
  "promote",
  "demote",
  "slow",
  "lock",
  "unlock",
] satisfies ModerationAction[];
const isAction = (v: unknown): v is ModerationAction => ACTIONS.includes(v);

function parseModerationEvent(f: Record<string, unknown>): ModerationEvent | null {
  if (!isSeq(f.seq) || !isAction(f.action) || !isString(f.name) || !isString(f.by) || !isSeq(f.ts)) return null;
  const event: ModerationEvent = { type: "moderation", seq: f.seq, action: f.action, name: f.name, by: f.by, ts: f.ts };
  if (isSeq(f.minutes)) event.minutes = f.minutes;
  if (isSeq(f.seconds)) event.seconds = f.seconds;
  return event;
}

function parseBan(f: Record<string, unknown>): BanEntry | null {
  const until = f.until === null || isSeq(f.until) ? f.until : undefined;
  return isString(f.name) && until !== undefined && isString(f.by) && isSeq(f.ts)
    ? { name: f.name, until, by: f.by, ts: f.ts }
    : null;
}

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
      return parseModerationEvent(f);
    case "reacted":
      return isSeq(f.seq) && isSeq(f.target) && isString(f.emoji) && isString(f.name) && isBoolean(f.on) && isSeq(f.ts)
        ? { type: "reacted", seq: f.seq, target: f.target, emoji: f.emoji, name: f.name, on: f.on, ts: f.ts }
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
    case "reacted":
      return parseLogEvent(f);
    case "search": {
      const messages = parseList(f.messages, parseChatMessage);
      return isString(f.id) && messages && typeof f.more === "boolean"
        ? { type: "search", id: f.id, messages, more: f.more }
        : null;
    }
    case "older": {
      const messages = parseList(f.messages, parseChatMessage);
      return isString(f.id) && messages && typeof f.more === "boolean"
        ? { type: "older", id: f.id, messages, more: f.more }
        : null;
    }
    case "bans": {
      const bans = parseList(f.bans, parseBan);
      return isString(f.id) && bans ? { type: "bans", id: f.id, bans } : null;
    }
    case "ack":
      return isString(f.id) && isSeq(f.seq) && isSeq(f.ts) ? { type: "ack", id: f.id, seq: f.seq, ts: f.ts } : null;
    case "presence":
      if (f.event === "count")
        return isSeq(f.onlineCount) ? { type: "presence", event: "count", onlineCount: f.onlineCount } : null;
      return (f.event === "join" || f.event === "leave") && isString(f.name) && isStringArray(f.online)
        ? {
            type: "presence",
            event: f.event,
            name: f.name,
            online: f.online,
            onlineCount: countOf(f),
            ...(isStringArray(f.names) ? { names: f.names } : {}),
            ...(f.event === "join" && isString(f.renamedFrom) ? { renamedFrom: f.renamedFrom } : {}),
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
    // Version 3's room rules; an older server has none.
    const moderators = isStringArray(f.moderators) ? f.moderators : [];
    const slowSeconds = isSeq(f.slowSeconds) ? f.slowSeconds : 0;
    return {
      type: "welcome",
      room,
      name,
      online,
      onlineCount,
      history,
      lastSeq,
      more: f.more === true,
      role,
      moderators,
      slowSeconds,
      locked: f.locked === true,
    };
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
