import { LIMITS, type LogEvent } from "../../shared";
import type { MessageStore, Refused } from "./message-store";
import type { Stored } from "./retry-index";

/** A 21st distinct emoji on one message. */
export type TooMany = { refused: "too_many" };
export const TOO_MANY_MESSAGE = `a message carries at most ${LIMITS.reactionsMax} different emoji: add yours to one of them`;
/** A reaction already as asked: acked with the event that made it so (or the message), and nothing stored. */
export type Unchanged = { unchanged: Stored };
type Mine = { seq: number; ts: number; name: string; action: string };

/**
 * Reactions, as events in the log's `events` table (`text` the emoji,
 * `action` "on" or "off"). Each person keeps only their latest event per
 * message and emoji: the "on" ones are the message's current reactions, and
 * `since` replays what changed, so reactions never grow storage beyond one
 * row per person, message and emoji. A deletion removes them with the
 * message's text; pruning removes them with the message.
 */
export class Reactions {
  readonly #sql: SqlStorage;
  readonly #store: MessageStore;

  constructor(sql: SqlStorage, store: MessageStore) {
    this.#sql = sql;
    this.#store = store;
  }

  react(
    actor: { identity: string; name: string },
    clientId: string,
    asked: { target: number; emoji: string; on: boolean },
    now: number,
  ): LogEvent | Refused | TooMany | Unchanged {
    const { target, emoji, on } = asked;
    const message = this.#store.message(target);
    if (!message) return { refused: "not_found" };
    const mine =
      this.#sql
        .exec<Mine>(
          "SELECT seq, ts, name, action FROM events WHERE type = 'reacted' AND target = ? AND text = ? AND author = ?",
          target,
          emoji,
          actor.identity,
        )
        .toArray()[0] ?? null;
    if ((mine?.action === "on") === on) return { unchanged: mine ?? { seq: target, ts: message.ts } };
    if (on && this.#isNewPastLimit(target, emoji)) return { refused: "too_many" };
    // Taken off under the name it was put on with, so every view removes the same name.
    const name = on ? actor.name : (mine?.name ?? actor.name);
    const { seq, ts } = this.#store.write(actor.identity, clientId, now, (seq, ts) => {
      if (mine) this.#sql.exec("DELETE FROM events WHERE seq = ?", mine.seq);
      this.#sql.exec(
        `INSERT INTO events (seq, type, target, text, name, action, author, client_id, ts)
         VALUES (?, 'reacted', ?, ?, ?, ?, ?, ?, ?)`,
        seq,
        target,
        emoji,
        name,
        on ? "on" : "off",
        actor.identity,
        clientId,
        ts,
      );
    });
    return { type: "reacted", seq, target, emoji, name, on, ts };
  }

  /** Whether `emoji` would be one more distinct emoji than a message may carry. */
  #isNewPastLimit(target: number, emoji: string): boolean {
    const row = this.#sql
      .exec<{ kinds: number; present: number }>(
        `SELECT COUNT(DISTINCT text) AS kinds, COALESCE(SUM(text = ?), 0) AS present
         FROM events WHERE type = 'reacted' AND action = 'on' AND target = ?`,
        emoji,
        target,
      )
      .toArray()[0];
    return (row?.present ?? 0) === 0 && (row?.kinds ?? 0) >= LIMITS.reactionsMax;
  }
}

/** A message's current reactions, or undefined when it has none. */
export type ReactionLookup = (seq: number) => Record<string, string[]> | undefined;

/**
 * How a page of the log finds its messages' reactions: in a room where nobody
 * has a reaction on, one probe of the reactions index and nothing more per
 * message; otherwise one indexed read per message, as the page reads it.
 */
export function reactionLookup(sql: SqlStorage): ReactionLookup {
  const any = sql.exec("SELECT 1 FROM events WHERE type = 'reacted' AND action = 'on' LIMIT 1").toArray();
  if (any.length === 0) return () => undefined;
  return (seq) => {
    let reactions: Record<string, string[]> | undefined;
    const found = sql.exec<{ emoji: string; name: string }>(
      "SELECT text AS emoji, name FROM events WHERE type = 'reacted' AND target = ? AND action = 'on' ORDER BY seq",
      seq,
    );
    for (const { emoji, name } of found) {
      reactions ??= {};
      const names = reactions[emoji];
      if (names) names.push(name);
      else reactions[emoji] = [name];
    }
    return reactions;
  };
}
