import type {
  BansFrame,
  ChatMessage,
  ErrorFrame,
  LogEvent,
  OlderFrame,
  PresenceFrame,
  SearchFrame,
  WelcomeFrame,
} from "../../shared";
import type { Change, OutboxEntry } from "./outbox";
import type { Refusal } from "./refusal";

// What the connection tells the page: its state, the room's log in seq order,
// its own outbox, and refusals. The page renders; the connection never does.

export type ConnectionState =
  | "connecting"
  | "catching-up"
  | "connected"
  | "reconnecting"
  | "offline"
  | "full"
  | "busy"
  | "limited"
  | "stopped";

/** A change to the log: someone's edit, deletion or moderation. */
export type LogChange = Exclude<LogEvent, ChatMessage>;

export type ChatEvents = {
  state(state: ConnectionState): void;
  welcome(frame: WelcomeFrame, reconnected: boolean): void;
  /** The room was emptied since this page last saw it (its seqs start again): the log starts afresh. */
  reset(): void;
  /** A message from the room (someone else's, or ours from another device), once, in seq order. */
  message(message: ChatMessage, live: boolean): void;
  /** An edit, deletion or moderation, once, in seq order (ours from another socket or tab too). */
  change(event: LogChange, live: boolean): void;
  /** An outbox message changed; `stored` when the room has it (then it has left the outbox). */
  outbox(entry: OutboxEntry, stored?: { seq: number; ts: number }): void;
  /** Our own change, as the room stored it (`stored`), or refused it (`error`). */
  changed(entry: OutboxEntry & { change: Change }, result: { seq: number; ts: number } | { error: ErrorFrame }): void;
  /** Earlier messages, as asked with `older()`. */
  older(frame: OlderFrame): void;
  /** Messages matching a search, newest first. */
  search(frame: SearchFrame): void;
  presence(frame: PresenceFrame): void;
  /** The bans in force, as asked with `bans()`. */
  bans(frame: BansFrame): void;
  typing(name: string): void;
  /** Why this page is not in the room: it waits and tries again ("later"), or stops until told otherwise. */
  refused(refusal: Refusal): void;
  /** An error not about one of our messages: said in words on the page. */
  error(frame: ErrorFrame): void;
};

export type ConnectionOptions = {
  /** The display name asked for; null when the sign-in gives it (the room ignores it then). */
  name: string | null;
  /** A sign-in token, passed on every upgrade. */
  token: string | null;
};
