import { type ChatMessage, searchWords } from "../../shared";
import { type LogRow, MESSAGE_COLUMNS, type Page, takeWithinBudget, toMessage, withReactions } from "./log-rows";
import { reactionLookup } from "./reactions";
import { hasSchema } from "./schema";

/**
 * Search over messages' current text, through the room's FTS5 index
 * (`messages_fts`, tokenizer unicode61 with diacritics removed, so case and
 * accents never matter). Triggers on `messages` keep the index exact: an
 * edit replaces a message's words, a deletion blanks them, pruning drops
 * them. A search reads the index newest first and stops after `limit + 1`
 * matches, never the messages table as a whole.
 */
export class MessageSearch {
  readonly #sql: SqlStorage;

  constructor(sql: SqlStorage) {
    this.#sql = sql;
  }

  /** Up to `limit` messages before `before` whose text holds every word of `q` as a word prefix, newest first. */
  search(q: string, before: number, limit: number): Page<ChatMessage> {
    const words = searchWords(q);
    if (words.length === 0 || !hasSchema(this.#sql)) return { items: [], more: false, bytes: 0 };
    // Each word a quoted prefix: its letters and digits only, so nothing in it is FTS5 syntax.
    const match = words.map((word) => `"${word}"*`).join(" ");
    const reactions = reactionLookup(this.#sql);
    const rows = this.#sql.exec<LogRow>(
      `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE seq IN (
           SELECT rowid FROM messages_fts WHERE messages_fts MATCH ? AND rowid < ? ORDER BY rowid DESC LIMIT ?
         ) AND deleted = 0 ORDER BY seq DESC`,
      match,
      before,
      limit + 1,
    );
    return takeWithinBudget(rows, limit, (row) => withReactions(toMessage(row), reactions));
  }
}
