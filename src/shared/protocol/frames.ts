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
/** Actions on one person, named by `name`. */
export type PersonAction = "kick" | "ban" | "unban" | "promote" | "demote";
/** Actions on the whole room (version 3). */
export type RoomAction = "slow" | "lock" | "unlock";
export type ModerationAction = PersonAction | RoomAction;
/** What a moderator asks for, without the frame's `type` and `id`. */
export type ModerationRequest =
  | { action: PersonAction; name: string; minutes?: number }
  | { action: "slow"; seconds: number }
  | { action: "lock" | "unlock" };
export type ModerateFrame = { type: "moderate"; id: string } & ModerationRequest;
/** A moderator asks for the bans in force (version 3). */
export type BansRequest = { type: "bans"; id: string };
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
  | SearchRequest
  | BansRequest;

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
  /** Who it was done to; "" for room-wide actions (`slow`, `lock`, `unlock`). */
  name: string;
  by: string;
  ts: number;
  /** A ban's length, when it has one. */
  minutes?: number;
  /** Slow mode's interval (`slow` only; 0 turns it off). */
  seconds?: number;
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
  /** Who moderates the room, owner first (version 3). */
  moderators: string[];
  /** Each member may send once per this many seconds (0: no slow mode). */
  slowSeconds: number;
  /** Whether only people who joined before may come in. */
  locked: boolean;
};
/** A page of events after the asked `since`; no live events reach the socket until one says `more: false`. */
export type CatchupFrame = { type: "catchup"; id: string; history: LogEvent[]; lastSeq: number; more: boolean };
/** Earlier messages, in their current state, oldest first. */
export type OlderFrame = { type: "older"; id: string; messages: ChatMessage[]; more: boolean };
/** A search's answer: matching messages in their current state, newest first; `more` when older ones match. */
export type SearchFrame = { type: "search"; id: string; messages: ChatMessage[]; more: boolean };
export type AckFrame = { type: "ack"; id: string; seq: number; ts: number };
/** Someone came or went (at most `onlineListMax` online, so everyone is listed). */
export type PresenceChangeFrame = {
  type: "presence";
  event: "join" | "leave";
  name: string;
  /** When a crowd's changes were merged: everyone this frame announces (`name` is the first). */
  names?: string[];
  /** A join that is a rename: the name this person had a moment ago (its leave is not announced). */
  renamedFrom?: string;
  online: string[];
  onlineCount: number;
};
/** More than `onlineListMax` online: how many, instead of each join and leave (at most every `presenceCountMs`). */
export type PresenceCountFrame = { type: "presence"; event: "count"; onlineCount: number };
export type PresenceFrame = PresenceChangeFrame | PresenceCountFrame;
export type TypingNotice = { type: "typing"; name: string };
export type ErrorFrame = {
  type: "error";
  code: ErrorCode;
  message: string;
  id?: string;
  retryAfterMs?: number;
};
/** A ban in force: `until` null lasts until it is lifted. */
export type BanEntry = { name: string; until: number | null; by: string; ts: number };
export type BansFrame = { type: "bans"; id: string; bans: BanEntry[] };
/** Frames that may travel inside a batch: everything but `welcome` and `batch`. */
export type BatchableFrame =
  | LogEvent
  | AckFrame
  | PresenceFrame
  | TypingNotice
  | ErrorFrame
  | CatchupFrame
  | OlderFrame
  | SearchFrame
  | BansFrame;
export type BatchFrame = { type: "batch"; frames: BatchableFrame[] };
export type ServerMessage = WelcomeFrame | BatchableFrame | BatchFrame;

export type ParseResult<T> = { ok: true; value: T } | { ok: false; code: ErrorCode; message: string; id?: string };
