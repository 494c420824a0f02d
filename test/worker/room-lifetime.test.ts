import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { act, deviceCookie, freshIp, freshRoom, join, joinFrom, keyOf, refusal, say, settle, upgrade } from "./helpers";

const DAY_MS = 24 * 60 * 60 * 1000;
const stub = (room: string) => env.ROOMS.getByName(room);
const tables = (room: string) =>
  runInDurableObject(stub(room), (_room, state) =>
    state.storage.sql
      .exec<{ name: string }>(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_cf\\_%' ESCAPE '\\'",
      )
      .toArray()
      .map((row) => row.name),
  );

async function leave(...clients: Awaited<ReturnType<typeof join>>[]): Promise<void> {
  for (const client of clients) {
    client.close();
    await client.closed();
  }
  await settle(50);
}

/** Moves every stored time back, as if `days` had passed, then runs the cleanup alarm on a fresh object. */
async function age(room: string, days: number): Promise<void> {
  const past = Date.now() - days * DAY_MS;
  await runInDurableObject(stub(room), (_room, state) => {
    const sql = state.storage.sql;
    sql.exec("UPDATE names SET last_used = ?", past);
    sql.exec("UPDATE meta SET value = ? WHERE key = 'owner_seen'", past);
    sql.exec("UPDATE bans SET until = ? WHERE until IS NOT NULL", past);
  });
  await evictDurableObject(stub(room), { webSockets: "hibernate" });
  await runInDurableObject(stub(room), async (_room, state) => {
    if ((await state.storage.getAlarm()) === null) await state.storage.setAlarm(Date.now() + 60_000);
  });
  await runDurableObjectAlarm(stub(room));
}

describe("an empty room keeps its owner, bans and holds", () => {
  it("keeps the owner of a room nobody wrote in after the cleanup alarm: a stranger cannot take it", async () => {
    const room = freshRoom();
    const creator = await join(room, "creator");
    expect((await creator.next("welcome")).role).toBe("owner");
    await leave(creator);
    expect(await runDurableObjectAlarm(stub(room))).toBe(true);
    const stranger = await join(room, "stranger");
    expect((await stranger.next("welcome")).role).toBe("member");
    expect(await act(stranger, { type: "moderate", action: "ban", name: "creator" })).toMatchObject({
      code: "forbidden",
    });
    expect((await (await join(room, "creator")).next("welcome")).role).toBe("owner");
  });

  it("wakes daily while kept, and deletes everything once the owner's time, holds and bans have lapsed", async () => {
    const room = freshRoom();
    const owner = await join(room, "owner");
    const mallory = await join(room, "mallory");
    await say(mallory, "hi");
    await act(owner, { type: "moderate", action: "ban", name: "mallory", minutes: 60 });
    await leave(owner);
    await runDurableObjectAlarm(stub(room));
    const alarm = await runInDurableObject(stub(room), (_room, state) => state.storage.getAlarm());
    expect(alarm).toBeGreaterThan(Date.now() + DAY_MS / 2);
    // Messages were written, so only ROOM_IDLE_DAYS (30 here) deletes them: their time is aged too.
    await runInDurableObject(stub(room), (_room, state) => {
      state.storage.sql.exec("UPDATE messages SET ts = ?", Date.now() - 31 * DAY_MS);
      state.storage.sql.exec("UPDATE events SET ts = ?", Date.now() - 31 * DAY_MS);
    });
    await age(room, 31);
    expect(await tables(room)).toEqual([]);
  });

  it("keeps a room whose only trace is an endless ban", async () => {
    const room = freshRoom();
    const owner = await joinFrom(room, "owner", freshIp());
    const troll = await join(room, "troll");
    await act(owner, { type: "moderate", action: "ban", name: "troll" });
    await troll.closed();
    await leave(owner);
    // The owner's own time lapses; an endless ban still stands.
    await runInDurableObject(stub(room), (_room, state) => {
      state.storage.sql.exec("UPDATE meta SET value = 0 WHERE key = 'owner_seen'");
    });
    await runDurableObjectAlarm(stub(room));
    expect(await tables(room)).toContain("bans");
    const back = await upgrade(`/api/rooms/${room}/ws?name=troll`, deviceCookie(keyOf("troll")));
    expect((await refusal(back)).error).toMatchObject({ code: "banned" });
  });
});
