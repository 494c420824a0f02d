// The log's rows as events: one row shape for both tables (so the log reads in one ordered query),
// and pages read within a byte budget.
import { type ChatMessage, LIMITS, type LogEvent, type ModerationAction, type ModerationEvent } from "../../shared";

/** `bytes`: the page's items as JSON, in UTF-8 bytes. */
export type Page<T> = { items: T[]; more: boolean; bytes: number };

// One row shape for both tables, so the log reads in one ordered query.
export type LogRow = {
  seq: number;
  type: string;
  client_id: string;
  name: string;
  text: string;
  ts: number;
  edited_at: number | null;
  deleted: number;
  target: number | null;
  by: string;
  action: string | null;
  reply_to: number | null;
  amount: number | null;
};
export const MESSAGE_COLUMNS =
  "seq, 'message' AS type, client_id, name, text, ts, edited_at, deleted, NULL AS target, '' AS by, NULL AS action, reply_to, NULL AS amount";
export const EVENT_COLUMNS =
  "seq, type, client_id, name, text, ts, NULL AS edited_at, 0 AS deleted, target, by, action, NULL AS reply_to, amount";

export function toEvent(row: LogRow): LogEvent {
  switch (row.type) {
    case "edited":
      return { type: "edited", seq: row.seq, target: row.target ?? 0, text: row.text, name: row.name, ts: row.ts };
    case "deleted":
      return { type: "deleted", seq: row.seq, target: row.target ?? 0, by: row.by, ts: row.ts };
    case "moderation":
      return moderationEvent(row.seq, row.action as ModerationAction, row.name, row.by, row.ts, row.amount);
    case "reacted":
      return {
        type: "reacted",
        seq: row.seq,
        target: row.target ?? 0,
        emoji: row.text,
        name: row.name,
        on: row.action === "on",
        ts: row.ts,
      };
    default:
      return toMessage(row);
  }
}

/** A moderation event; `amount` is a ban's minutes or slow mode's seconds. */
export function moderationEvent(
  seq: number,
  action: ModerationAction,
  name: string,
  by: string,
  ts: number,
  amount: number | null,
): ModerationEvent {
  const event: ModerationEvent = { type: "moderation", seq, action, name, by, ts };
  if (action === "ban" && amount !== null) event.minutes = amount;
  if (action === "slow") event.seconds = amount ?? 0;
  return event;
}

export function toMessage(row: LogRow): ChatMessage {
  const message: ChatMessage = {
    type: "message",
    seq: row.seq,
    id: row.client_id,
    name: row.name,
    text: row.text,
    ts: row.ts,
  };
  if (row.edited_at !== null) message.editedAt = row.edited_at;
  if (row.deleted) message.deleted = true;
  if (row.reply_to !== null) message.replyTo = row.reply_to;
  return message;
}

/** The event, with its current reactions when it is a message that has any. */
export function withReactions<T extends LogEvent>(
  event: T,
  reactionsOf: (seq: number) => Record<string, string[]> | undefined,
): T {
  const found = event.type === "message" ? reactionsOf(event.seq) : undefined;
  if (found) (event as ChatMessage).reactions = found;
  return event;
}

/** The last seq given (pruned ones too) and the latest event's time. */
export function lastStored(sql: SqlStorage): { seq: number; ts: number } {
  const last = sql
    .exec<{ seq: number; ts: number }>(
      `SELECT MAX(seq) AS seq, MAX(ts) AS ts FROM (
         SELECT seq, ts FROM (SELECT seq, ts FROM messages ORDER BY seq DESC LIMIT 1)
         UNION ALL SELECT seq, ts FROM (SELECT seq, ts FROM events ORDER BY seq DESC LIMIT 1)
         UNION ALL SELECT value, 0 FROM meta WHERE key = 'pruned_through')`,
    )
    .toArray()[0];
  return { seq: last?.seq ?? 0, ts: last?.ts ?? 0 };
}

const utf8 = new TextEncoder();

/** Reads rows until `max` items or `pageBytesMax` bytes of JSON (at least one item); reads no further. */
export function takeWithinBudget<T>(rows: Iterable<LogRow>, max: number, convert: (row: LogRow) => T): Page<T> {
  const items: T[] = [];
  let bytes = 0;
  for (const row of rows) {
    const item = convert(row);
    const size = utf8.encode(JSON.stringify(item)).byteLength + 1;
    if (items.length === max || (bytes + size > LIMITS.pageBytesMax && items.length > 0)) {
      return { items, more: true, bytes };
    }
    bytes += size;
    items.push(item);
  }
  return { items, more: false, bytes };
}
