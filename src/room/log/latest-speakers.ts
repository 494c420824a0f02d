import { hasSchema } from "./schema";

// Enough messages to find a few hundred recent speakers in a busy room, few enough to read on every wake.
const MESSAGES_READ = 2000;

/**
 * The names that wrote the room's latest `messages` messages, most recent
 * first, each once: one bounded read down the primary key, so a room that
 * wakes pays for at most `messages` rows however long its log is.
 */
export function latestSpeakers(sql: SqlStorage, messages = MESSAGES_READ): string[] {
  if (!hasSchema(sql)) return [];
  const rows = sql.exec<{ name: string }>(
    `SELECT name FROM (SELECT name, seq FROM messages ORDER BY seq DESC LIMIT ?)
     GROUP BY name ORDER BY MAX(seq) DESC`,
    messages,
  );
  return rows.toArray().map((row) => row.name);
}
