import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { MessageSearch } from "../../src/room/log/message-search";
import { MessageStore } from "../../src/room/log/message-store";
import { ensureSchema, forgetSchema } from "../../src/room/log/schema";
import type { SearchFrame } from "../../src/shared/protocol";
import { act, freshRoom, join, say, seedHistory, type TestClient } from "./helpers";

async function search(client: TestClient, q: string, limit = 50, before?: number): Promise<SearchFrame> {
  const id = crypto.randomUUID();
  client.send({ type: "search", id, q, limit, ...(before === undefined ? {} : { before }) });
  return client.next("search", (f) => f.id === id);
}
const texts = (frame: SearchFrame) => frame.messages.map((m) => m.text);

describe("search", () => {
  it("finds messages holding every word as a word prefix, ignoring case and accents, newest first", async () => {
    const room = freshRoom();
    const alice = await join(room, "alice");
    for (const text of ["Le Café est ouvert", "the cafe is closed", "Résumé of the MEETING", "quick brown fox"]) {
      await say(alice, text);
    }
    expect(texts(await search(alice, "CAFE"))).toEqual(["the cafe is closed", "Le Café est ouvert"]);
    expect(texts(await search(alice, "caf ouv"))).toEqual(["Le Café est ouvert"]);
    expect(texts(await search(alice, "resume meet"))).toEqual(["Résumé of the MEETING"]);
    expect(texts(await search(alice, "café, closed!"))).toEqual(["the cafe is closed"]);
    expect(texts(await search(alice, "quick dog"))).toEqual([]);
    // A prefix of a word, never the middle of one.
    expect(texts(await search(alice, "uick"))).toEqual([]);
  });

  it("never matches deleted messages, and matches edited ones by their current text only", async () => {
    const room = freshRoom();
    const alice = await join(room, "alice");
    const gone = await say(alice, "secret plans");
    const changed = await say(alice, "old wording");
    await act(alice, { type: "delete", target: gone.seq });
    await act(alice, { type: "edit", target: changed.seq, text: "new phrasing" });
    await act(alice, { type: "edit", target: changed.seq, text: "newer phrasing" });
    expect(texts(await search(alice, "secret"))).toEqual([]);
    expect(texts(await search(alice, "old"))).toEqual([]);
    expect(texts(await search(alice, "wording"))).toEqual([]);
    const found = await search(alice, "phrasing");
    expect(found.messages).toEqual([expect.objectContaining({ seq: changed.seq, text: "newer phrasing" })]);
    expect(found.messages[0]?.editedAt).toEqual(expect.any(Number));
  });

  it("removes deleted and replaced words from the index's own storage, not only from answers", async () => {
    const room = freshRoom();
    const alice = await join(room, "alice");
    const gone = await say(alice, "zzqqdeleted words");
    const changed = await say(alice, "zzqqreplaced words");
    await say(alice, "something else");
    await act(alice, { type: "delete", target: gone.seq });
    await act(alice, { type: "edit", target: changed.seq, text: "new words" });
    const left = await runInDurableObject(env.ROOMS.getByName(room), (_r, state) => {
      const holding = (word: string) =>
        state.storage.sql
          .exec<{ n: number }>(
            "SELECT COUNT(*) AS n FROM messages_fts_data WHERE instr(block, CAST(? AS BLOB)) > 0",
            word,
          )
          .toArray()[0]?.n;
      return { deleted: holding("zzqqdeleted"), replaced: holding("zzqqreplaced"), kept: holding("something") };
    });
    expect(left).toEqual({ deleted: 0, replaced: 0, kept: 1 });
  });

  it("pages with `before` and `more`, and carries replies and reactions in the messages' current state", async () => {
    const room = freshRoom();
    await seedHistory(room, 30);
    const alice = await join(room, "alice");
    const first = await search(alice, "message", 20);
    expect(first.messages.map((m) => m.seq)).toEqual(Array.from({ length: 20 }, (_, i) => 30 - i));
    expect(first.more).toBe(true);
    const rest = await search(alice, "message", 20, 11);
    expect(rest.messages.map((m) => m.seq)).toEqual(Array.from({ length: 10 }, (_, i) => 10 - i));
    expect(rest.more).toBe(false);
    const reply = await act(alice, { type: "send", text: "message back", replyTo: 3 });
    await act(alice, { type: "react", target: 3, emoji: "👍", on: true });
    const seq = reply.type === "ack" ? reply.seq : -1;
    const found = await search(alice, "message back");
    expect(found.messages).toEqual([expect.objectContaining({ seq, replyTo: 3 })]);
    // "3" is a prefix of "30" too: only those before 4.
    const three = await search(alice, "message 3", 5, 4);
    expect(three.messages).toEqual([expect.objectContaining({ seq: 3, reactions: { "👍": ["alice"] } })]);
  });

  it("reads through the index: rows read stay bounded by the matches, not the room's size", async () => {
    const room = freshRoom();
    await seedHistory(room, 600);
    const read = await runInDurableObject(env.ROOMS.getByName(room), (_r, state) => {
      const store = new MessageStore(state.storage);
      for (const i of [1, 2, 3]) store.append("n:w", "w", `needle${i}`, `a needle in the stack ${i}`, Date.now());
      const cursors: SqlStorageCursor<Record<string, SqlStorageValue>>[] = [];
      const sql = state.storage.sql;
      const counting = {
        exec: (query: string, ...bindings: unknown[]) => {
          const cursor = sql.exec(query, ...bindings);
          cursors.push(cursor);
          return cursor;
        },
      } as unknown as SqlStorage;
      const page = new MessageSearch(counting).search("needle stack", Number.MAX_SAFE_INTEGER, 10);
      return { found: page.items.length, rows: cursors.reduce((sum, c) => sum + c.rowsRead, 0) };
    });
    expect(read.found).toBe(3);
    expect(read.rows).toBeLessThan(60);
  });

  it("survives eviction", async () => {
    const room = freshRoom();
    const alice = await join(room, "alice");
    await say(alice, "remember the alamo");
    await evictDurableObject(env.ROOMS.getByName(room), { webSockets: "hibernate" });
    const bob = await join(room, "bob");
    expect(texts(await search(bob, "alamo"))).toEqual(["remember the alamo"]);
  });

  it("drops pruned messages from the index with them", async () => {
    const room = freshRoom();
    const result = await runInDurableObject(env.ROOMS.getByName(room), (_r, state) => {
      const store = new MessageStore(state.storage, { keep: 10 });
      const now = Date.now();
      for (let i = 1; i <= 40; i++) store.append("d:a", "a", `m${i}`, `entry number${i}`, now);
      store.prune(now);
      const search = new MessageSearch(state.storage.sql);
      const indexed = state.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM messages_fts_docsize");
      return {
        old: search.search("number5", Number.MAX_SAFE_INTEGER, 50).items.length,
        all: search.search("entry", Number.MAX_SAFE_INTEGER, 50).items.map((m) => m.seq),
        indexed: indexed.toArray()[0]?.n,
      };
    });
    expect(result).toEqual({ old: 0, all: Array.from({ length: 10 }, (_, i) => 40 - i), indexed: 10 });
  });

  it("builds the index for a room made before it, in the schema step", async () => {
    const room = freshRoom();
    const found = await runInDurableObject(env.ROOMS.getByName(room), (_r, state) => {
      const { sql } = state.storage;
      new MessageStore(state.storage).append("d:a", "a", "m1", "written before search existed", Date.now());
      // Back to version 5, as an older Parley left it, with its message (steps 7 and 8's tables gone too).
      sql.exec(`DROP TABLE moderators; DROP TABLE shard_sockets; ALTER TABLE events DROP COLUMN amount;
        DROP TRIGGER messages_fts_insert; DROP TRIGGER messages_fts_delete; DROP TRIGGER messages_fts_update;
        DROP TABLE messages_fts; DROP INDEX events_reactions; ALTER TABLE messages DROP COLUMN reply_to;
        UPDATE meta SET value = 5 WHERE key = 'schema_version'`);
      forgetSchema(sql);
      ensureSchema(sql);
      return new MessageSearch(sql).search("before existed", Number.MAX_SAFE_INTEGER, 5).items.map((m) => m.text);
    });
    expect(found).toEqual(["written before search existed"]);
  });

  it("refuses a query without words, a limit outside 1-50 and ill-formed text with bad_message", async () => {
    const alice = await join(freshRoom(), "alice");
    const bad: Record<string, unknown>[] = [
      { q: "", limit: 5 },
      { q: "?! -- ...", limit: 5 },
      { q: "ok", limit: 0 },
      { q: "ok", limit: 51 },
      { q: "ok\ud800", limit: 5 },
      { q: "ok", limit: 5, before: -1 },
      { q: "a b c d e f g h i j k", limit: 5 },
      { q: 5, limit: 5 },
    ];
    for (const frame of bad) {
      const id = crypto.randomUUID();
      alice.send({ type: "search", id, ...frame });
      expect(await alice.next("error", (e) => e.id === id)).toMatchObject({ code: "bad_message" });
    }
  });
});
