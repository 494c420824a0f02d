// Frames from a client, as the room reads them: one pure parser that never throws, and the
// validation of every string a client sends (well-formed, no control characters, in bounds).

import { isOneEmoji, searchWords } from "./conversation";
import type {
  ClientMessage,
  EditFrame,
  ModerateFrame,
  OlderRequest,
  ParseResult,
  PersonAction,
  ReactFrame,
  SearchRequest,
  SendFrame,
} from "./frames";
import { isRecord, isSeq } from "./guards";
import { type ErrorCode, LIMITS } from "./limits";

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
  const value: SendFrame = { type: "send", id: id.value, text: text.value };
  if (frame.replyTo !== undefined) {
    if (!isSeq(frame.replyTo)) return fail("bad_message", "replyTo must be a message's seq", id.value);
    value.replyTo = frame.replyTo;
  }
  return { ok: true, value };
}

function parseReact(frame: Record<string, unknown>): ParseResult<ReactFrame> {
  const id = parseId(frame.id);
  if (!id.ok) return id;
  const { target, emoji, on } = frame;
  if (!isSeq(target)) return fail("bad_message", "target must be a message's seq", id.value);
  if (typeof emoji !== "string" || !isOneEmoji(emoji)) {
    return fail("bad_message", "emoji must be exactly one emoji (well-formed, one grapheme)", id.value);
  }
  if (typeof on !== "boolean") return fail("bad_message", "on must be true or false", id.value);
  return { ok: true, value: { type: "react", id: id.value, target, emoji, on } };
}

function parseSearch(frame: Record<string, unknown>): ParseResult<SearchRequest> {
  const id = parseId(frame.id);
  if (!id.ok) return id;
  const { q, before, limit } = frame;
  const { searchQueryMax, searchWordsMax, searchMax } = LIMITS;
  if (typeof q !== "string" || !q.isWellFormed() || charLength(q) > searchQueryMax) {
    return fail("bad_message", `q must be well-formed text of at most ${searchQueryMax} characters`, id.value);
  }
  const words = searchWords(q).length;
  if (words === 0 || words > searchWordsMax) {
    return fail("bad_message", `q must hold 1-${searchWordsMax} words (letters or digits)`, id.value);
  }
  if (before !== undefined && !isSeq(before)) return fail("bad_message", "before must be a seq", id.value);
  if (!isSeq(limit) || limit < 1 || limit > searchMax) {
    return fail("bad_message", `limit must be a whole number from 1 to ${searchMax}`, id.value);
  }
  const value: SearchRequest = { type: "search", id: id.value, q, limit };
  if (before !== undefined) value.before = before;
  return { ok: true, value };
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

const PERSON_ACTIONS: readonly string[] = ["kick", "ban", "unban", "promote", "demote"] satisfies PersonAction[];

function parseModerate(frame: Record<string, unknown>): ParseResult<ModerateFrame> {
  const id = parseId(frame.id);
  if (!id.ok) return id;
  const { action, name, minutes, seconds } = frame;
  if (action === "lock" || action === "unlock") return { ok: true, value: { type: "moderate", id: id.value, action } };
  if (action === "slow") {
    if (!isSeq(seconds) || seconds > LIMITS.slowSecondsMax) {
      return fail("bad_message", `seconds must be a whole number from 0 to ${LIMITS.slowSecondsMax}`, id.value);
    }
    return { ok: true, value: { type: "moderate", id: id.value, action, seconds } };
  }
  if (typeof action !== "string" || !PERSON_ACTIONS.includes(action)) {
    return fail(
      "bad_message",
      'action must be "kick", "ban", "unban", "promote", "demote", "slow", "lock" or "unlock"',
      id.value,
    );
  }
  if (typeof name !== "string" || name.length === 0 || !name.isWellFormed() || charLength(name) > LIMITS.nameMax * 4) {
    return fail("bad_message", "name must name a person in this room", id.value);
  }
  const value: ModerateFrame & { action: PersonAction } = {
    type: "moderate",
    id: id.value,
    action: action as PersonAction,
    name,
  };
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

/** What the admin API may do to a person (roles and room rules are the owner's and moderators'). */
export type AdminAction =
  | { action: "delete"; target: number }
  | { action: "kick" | "ban" | "unban"; name: string; minutes?: number };

/** The body of a deployer's `POST /api/rooms/<room>/moderation`. */
export function parseAdminAction(body: unknown): ParseResult<AdminAction> {
  if (!isRecord(body)) return fail("bad_json", "the body must be a JSON object");
  if (body.action === "delete") {
    return isSeq(body.target)
      ? { ok: true, value: { action: "delete", target: body.target } }
      : fail("bad_message", "target must be a message's seq");
  }
  if (body.action !== "kick" && body.action !== "ban" && body.action !== "unban") {
    return fail("bad_message", 'action must be "delete", "kick", "ban" or "unban"');
  }
  const parsed = parseModerate({ ...body, id: "admin" });
  if (!parsed.ok) return fail(parsed.code, parsed.message);
  if (!("name" in parsed.value)) return fail("bad_message", "name is required");
  const { name, minutes } = parsed.value;
  const action = body.action;
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
    case "react":
      return parseReact(frame);
    case "search":
      return parseSearch(frame);
    case "bans": {
      const id = parseId(frame.id);
      return id.ok ? { ok: true, value: { type: "bans", id: id.value } } : id;
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
