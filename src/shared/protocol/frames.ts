// The frames of the wire protocol, both directions, as discriminated unions (docs/protocol.md).
import type { ErrorCode } from "./limits";

/** `replyTo`: the seq of the message this one answers. */
export type SendFrame = { type: "send"; id: string; text: string; replyTo?: number };
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
/** Puts this person's `emoji` (one emoji grapheme) on a message, or takes it off. */
export type ReactFrame = { type: "react"; id: string; target: number; emoji: string; on: boolean };
/** Messages whose current text holds every word of `q` (as word prefixes), newest first, before `before`. */
export type SearchRequest = { type: "search"; id: string; q: string; before?: number; limit: number };
export type ClientMessage =
  | SendFrame
  | TypingFrame
  | ReceivedFrame
  | CatchupRequest
  | EditFrame
  | DeleteFrame
  | OlderRequest
  | ModerateFrame
  | ReactFrame
  | SearchRequest;

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
  /** The seq of the message this one answers. */
  replyTo?: number;
  /** Who reacted with what, in the order they did; absent when nobody has. */
  reactions?: Record<string, string[]>;
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
/** Someone's reaction put on (`on`) or taken off a message; `since` replays each person's latest per emoji. */
export type ReactedEvent = {
  type: "reacted";
  seq: number;
  target: number;
  emoji: string;
  name: string;
  on: boolean;
  ts: number;
};
/** Everything `seq` numbers: what `since` replays. */
export type LogEvent = ChatMessage | EditedEvent | DeletedEvent | ModerationEvent | ReactedEvent;
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
/** A search's answer: matching messages in their current state, newest first; `more` when older ones match. */
export type SearchFrame = { type: "search"; id: string; messages: ChatMessage[]; more: boolean };
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
  | OlderFrame
  | SearchFrame;
export type BatchFrame = { type: "batch"; frames: BatchableFrame[] };
export type ServerMessage = WelcomeFrame | BatchableFrame | BatchFrame;

export type ParseResult<T> = { ok: true; value: T } | { ok: false; code: ErrorCode; message: string; id?: string };
