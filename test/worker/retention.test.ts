import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { MessageStore } from "../../src/room/log/message-store";
import { freshRoom, join, lastSeq, say } from "./helpers";

const DAY_MS = 24 * 60 * 60 * 1000;

describe("retention", () => {
  it("keeps the newest `keep` messages and the events after them, pruning in small steps", async () => {
    const room = freshRoom();
    const counts = await runInDurableObject(env.ROOMS.getByName(room), (_r, state) => {
      const store = new MessageStore(state.storage, { keep: 10 });
      const now = Date.now();
      for (let i = 1; i <= 99; i++) store.append("d:a", "a", `m${i}`, `message ${i}`, now);
      store.edit("d:a", "e1", 5, "edited early", now);
      store.edit("d:a", "e2", 95, "edited late", now);
      store.prune(now);
      const count = (sql: string) => state.storage.sql.exec<{ n: number }>(sql).toArray()[0]?.n;
      return {
        messages: count("SELECT COUNT(*) AS n FROM messages"),
        oldest: count("SELECT MIN(seq) AS n FROM messages"),
        events: count("SELECT COUNT(*) AS n FROM events"),
      };
    });
    expect(counts).toEqual({ messages: 10, oldest: 90, events: 1 });
  });

  it("drops at most one step of rows per prune, so no send waits long", async () => {
    const room = freshRoom();
    const left = await runInDurableObject(env.ROOMS.getByName(room), (_r, state) => {
      const store = new MessageStore(state.storage, { keep: 1000 });
      for (let i = 1; i <= 2600; i++) store.append("d:a", "a", `m${i}`, "x", Date.now());
      // The automatic steps ran every 100 sends; one more step now.
      const before = state.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM messages").toArray()[0]?.n ?? 0;
      store.prune(Date.now());
      const after = state.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM messages").toArray()[0]?.n ?? 0;
      return { before, after };
    });
    expect(left.before - left.after).toBeLessThanOrEqual(500);
    expect(left.after).toBeGreaterThanOrEqual(1000);
  });

  it("drops messages older than `days`, and never hands out a seq again after pruning everything", async () => {
    const room = freshRoom();
    const stub = env.ROOMS.getByName(room);
    await runInDurableObject(stub, (_r, state) => {
      const store = new MessageStore(state.storage, { keep: 1000, days: 1 });
      for (let i = 1; i <= 5; i++) store.append("d:a", "a", `m${i}`, `old ${i}`, Date.now() - 3 * DAY_MS);
      store.prune(Date.now());
      expect(state.storage.sql.exec("SELECT * FROM messages").toArray()).toEqual([]);
    });
    await evictDurableObject(stub, { webSockets: "hibernate" });
    expect(await lastSeq(room)).toBe(5);
    expect((await say(await join(room, "alice"), "new")).seq).toBe(6);
  });

  it("deletes all storage of a room idle past ROOM_IDLE_DAYS once nobody is in it", async () => {
    const room = freshRoom();
    const stub = env.ROOMS.getByName(room);
    const alice = await join(room, "alice");
    await say(alice, "long ago");
    alice.close();
    await alice.closed();
    await runDurableObjectAlarm(stub);
    // Not idle yet: kept, with an alarm to check again.
    expect(await lastSeq(room)).toBe(1);
    await runInDurableObject(stub, (_r, state) => {
      // Her name's hold and her ownership lapse too: nothing is left to keep.
      state.storage.sql.exec("UPDATE messages SET ts = ?", Date.now() - 31 * DAY_MS);
      state.storage.sql.exec("UPDATE names SET last_used = ?", Date.now() - 31 * DAY_MS);
      state.storage.sql.exec("UPDATE meta SET value = ? WHERE key = 'owner_seen'", Date.now() - 31 * DAY_MS);
    });
    await evictDurableObject(stub, { webSockets: "hibernate" });
    await runInDurableObject(stub, async (_r, state) => {
      if ((await state.storage.getAlarm()) === null) await state.storage.setAlarm(Date.now() + 60_000);
    });
    await runDurableObjectAlarm(stub);
    const left = await runInDurableObject(stub, (_r, state) =>
      state.storage.sql
        .exec<{ name: string }>(
          "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_cf\\_%' ESCAPE '\\'",
        )
        .toArray(),
    );
    expect(left).toEqual([]);
    expect(await lastSeq(room)).toBe(0);
  });
});
