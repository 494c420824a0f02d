import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { clearOfWindowEnd, freshIp, freshRoom, join, joinFrom, request, say } from "./helpers";

/** The room's own tables and its alarm: what it would leave in storage. */
async function footprint(room: string): Promise<{ tables: string[]; alarm: number | null }> {
  return runInDurableObject(env.ROOMS.getByName(room), async (_room, state) => ({
    tables: state.storage.sql
      .exec<{ name: string }>(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_cf\\_%' ESCAPE '\\'",
      )
      .toArray()
      .map((r) => r.name),
    alarm: await state.storage.getAlarm(),
  }));
}

describe("no storage for nothing", () => {
  it("reads an unknown room without writing anything", async () => {
    const room = freshRoom();
    const response = await request(`/api/rooms/${room}`);
    expect(await response.json()).toEqual({ room, online: [], onlineCount: 0, lastSeq: 0, shards: 0 });
    expect(await footprint(room)).toEqual({ tables: [], alarm: null });
  });

  it("makes its tables on the first message", async () => {
    const room = freshRoom();
    await say(await join(room, "alice"), "hello");
    expect((await footprint(room)).tables).toContain("messages");
  });

  it("leaves nothing behind when people without a key came and went without a word", async () => {
    const room = freshRoom();
    const alice = await joinFrom(room, "alice", freshIp(), "", null);
    alice.send({ type: "typing" });
    alice.close();
    await alice.closed();
    // The dead-socket alarm was set while Alice was there; when it finds the room empty and
    // without a message it clears everything, her name's hold too.
    await runDurableObjectAlarm(env.ROOMS.getByName(room));
    expect(await footprint(room)).toEqual({ tables: [], alarm: null });
  });

  it("limits room reads per address with 429", async () => {
    await clearOfWindowEnd();
    const ip = freshIp();
    const statuses: number[] = [];
    // vitest.config.ts allows 20 a minute (production: 120).
    for (let i = 0; i < 21; i++) {
      const response = await request(`/api/rooms/${freshRoom()}`, { headers: { "CF-Connecting-IP": ip } });
      statuses.push(response.status);
      await response.body?.cancel();
    }
    expect(statuses.slice(0, 20).every((s) => s === 200)).toBe(true);
    expect(statuses[20]).toBe(429);
    expect((await request(`/api/rooms/${freshRoom()}`)).status).toBe(200);
  });
});
