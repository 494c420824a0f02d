import { refreshSkeletons } from "./skeleton-refresh";

/**
 * A room's SQLite schema, brought up to date step by step. Each step runs
 * once, in order; `schema_version` in `meta` says how many have run. Rooms
 * made by version 1 have `messages` but no `meta`: they start at step 1.
 */
const STEPS: readonly string[] = [
  // 1: version 1's table.
  `CREATE TABLE IF NOT EXISTS messages (
    seq INTEGER PRIMARY KEY,
    client_id TEXT NOT NULL,
    name TEXT NOT NULL,
    text TEXT NOT NULL,
    ts INTEGER NOT NULL
  )`,
  // 2: retries are recognised by author, not by name. Rows from before have no author.
  `ALTER TABLE messages ADD COLUMN author TEXT NOT NULL DEFAULT '';
   DROP INDEX IF EXISTS messages_sender_id;
   CREATE UNIQUE INDEX messages_author_id ON messages (author, client_id) WHERE author <> ''`,
  // 3: names held by the identity that used them.
  `CREATE TABLE names (
    skeleton TEXT PRIMARY KEY,
    identity TEXT NOT NULL,
    name TEXT NOT NULL,
    last_used INTEGER NOT NULL
  )`,
  // 4: the event log (edits, deletions, moderation share the messages' seq), and bans.
  `ALTER TABLE messages ADD COLUMN edited_at INTEGER;
   ALTER TABLE messages ADD COLUMN deleted INTEGER NOT NULL DEFAULT 0;
   CREATE TABLE events (
     seq INTEGER PRIMARY KEY,
     type TEXT NOT NULL,
     target INTEGER,
     text TEXT NOT NULL DEFAULT '',
     name TEXT NOT NULL DEFAULT '',
     by TEXT NOT NULL DEFAULT '',
     action TEXT,
     author TEXT NOT NULL DEFAULT '',
     client_id TEXT NOT NULL DEFAULT '',
     ts INTEGER NOT NULL
   );
   CREATE UNIQUE INDEX events_author_id ON events (author, client_id) WHERE author <> '';
   CREATE INDEX events_target ON events (target) WHERE target IS NOT NULL;
   CREATE TABLE bans (
     identity TEXT PRIMARY KEY,
     skeleton TEXT NOT NULL,
     name TEXT NOT NULL,
     until INTEGER
   );
   CREATE INDEX bans_skeleton ON bans (skeleton)`,
  // 5: who banned and when, and the banned person's address (hashed); everyone who ever joined,
  // so a ban on an address spares those who joined before it.
  `ALTER TABLE bans ADD COLUMN address TEXT NOT NULL DEFAULT '';
   ALTER TABLE bans ADD COLUMN by TEXT NOT NULL DEFAULT '';
   ALTER TABLE bans ADD COLUMN ts INTEGER NOT NULL DEFAULT 0;
   CREATE INDEX bans_address ON bans (address) WHERE address <> '';
   CREATE TABLE members (
     identity TEXT PRIMARY KEY,
     address TEXT NOT NULL,
     first_seen INTEGER NOT NULL,
     last_seen INTEGER NOT NULL
   );
   CREATE INDEX names_identity ON names (identity, last_used)`,
  // 6: replies; reactions (events of their own, each person's latest per message and emoji); and
  // the search index over messages' current text, kept exact by triggers on every insert, edit,
  // deletion (text blanked) and prune, and built here for the messages a room already has.
  // `secure-delete` makes FTS5 remove a deleted text's words from its pages, not only mark them.
  `ALTER TABLE messages ADD COLUMN reply_to INTEGER;
   CREATE INDEX events_reactions ON events (target, text, author) WHERE type = 'reacted';
   CREATE VIRTUAL TABLE messages_fts USING fts5(
     text, content = 'messages', content_rowid = 'seq', tokenize = 'unicode61 remove_diacritics 2'
   );
   INSERT INTO messages_fts (messages_fts, rank) VALUES ('secure-delete', 1);
   INSERT INTO messages_fts (messages_fts) VALUES ('rebuild');
   CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
     INSERT INTO messages_fts (rowid, text) VALUES (new.seq, new.text);
   END;
   CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
     INSERT INTO messages_fts (messages_fts, rowid, text) VALUES ('delete', old.seq, old.text);
   END;
   CREATE TRIGGER messages_fts_update AFTER UPDATE OF text ON messages BEGIN
     INSERT INTO messages_fts (messages_fts, rowid, text) VALUES ('delete', old.seq, old.text);
     INSERT INTO messages_fts (rowid, text) VALUES (new.seq, new.text);
   END`,
  // 7: version 3's moderation: a ban's minutes or slow mode's seconds on its event, and the
  // moderators the owner appointed (slow mode and the lock are kept in `meta`).
  `ALTER TABLE events ADD COLUMN amount INTEGER;
   CREATE TABLE moderators (
     identity TEXT PRIMARY KEY,
     name TEXT NOT NULL,
     ts INTEGER NOT NULL
   )`,
  // 8: rooms of any size: the sockets the room's shards hold, so a room object that restarts knows them.
  `CREATE TABLE shard_sockets (
    shard INTEGER NOT NULL,
    id INTEGER NOT NULL,
    session TEXT NOT NULL,
    PRIMARY KEY (shard, id)
  )`,
];

// What is known of each storage in this object's life: only this object writes to it, so an
// answer holds until `ensureSchema` makes the tables or `forgetSchema` follows a `deleteAll`.
const current = new WeakSet<SqlStorage>();
const absent = new WeakSet<SqlStorage>();

/** Whether this room has storage at all (reading must not create it). */
export function hasSchema(sql: SqlStorage): boolean {
  if (current.has(sql)) return true;
  if (absent.has(sql)) return false;
  const found = sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'messages'").toArray().length > 0;
  if (!found) absent.add(sql);
  return found;
}

/** The room's storage was wiped. */
export function forgetSchema(sql: SqlStorage): void {
  current.delete(sql);
  absent.add(sql);
}

/** Runs the steps this room has not run yet. */
export function ensureSchema(sql: SqlStorage): void {
  if (current.has(sql)) return;
  absent.delete(sql);
  sql.exec("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL)");
  const row = sql.exec<{ value: number }>("SELECT value FROM meta WHERE key = 'schema_version'").toArray()[0];
  let version = row?.value ?? 0;
  while (version < STEPS.length) {
    sql.exec(STEPS[version] as string);
    version++;
    sql.exec("INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', ?)", version);
  }
  refreshSkeletons(sql);
  current.add(sql);
}
