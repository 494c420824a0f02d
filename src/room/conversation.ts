import type { LogEvent, ReactFrame, SendFrame } from "../shared";
import type { MessageStore, Refused } from "./log/message-store";
import type { NameClaims } from "./log/name-claims";
import { Reactions, type TooMany, type Unchanged } from "./log/reactions";
import type { Session } from "./session";
import type { SlowMode } from "./slow-mode";

/**
 * What people write to each other: messages, replies to a message of this
 * room (never to another event, nor a deleted or pruned message), and
 * reactions. Each returns the one event it stored, or why nothing was.
 */
export class Conversation {
  readonly #store: MessageStore;
  readonly #names: NameClaims;
  readonly #reactions: Reactions;
  readonly #slow: SlowMode;

  constructor(sql: SqlStorage, store: MessageStore, names: NameClaims, slow: SlowMode) {
    this.#store = store;
    this.#names = names;
    this.#slow = slow;
    this.#reactions = new Reactions(sql, store);
  }

  send(session: Session, frame: SendFrame): LogEvent | Refused {
    const { replyTo } = frame;
    if (replyTo !== undefined && !this.#store.message(replyTo)) return { refused: "not_found" };
    const message = this.#store.append(session.identity, session.name, frame.id, frame.text, Date.now(), replyTo);
    this.#names.wrote(session.identity, session.name, session.skeleton, message.ts);
    this.#slow.sent(session.identity, message.ts);
    return message;
  }

  react(session: Session, frame: ReactFrame): LogEvent | Refused | TooMany | Unchanged {
    return this.#reactions.react(session, frame.id, frame, Date.now());
  }
}
