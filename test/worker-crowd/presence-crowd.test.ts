import { evictDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { LIMITS } from "../../src/shared/protocol";
import { freshRoom, join, roomInfo, say, settle, type TestClient } from "../worker/helpers";

// SPEC's numbers, with real sockets: past 500 online, the list holds 500 (who spoke last first),
// the count is exact, and joins and leaves go out as a count at most every 5 s.
const LIST = 500;

/** Opens `names` sockets, a few at a time (each from an address and with a device key of its own). */
async function joinAll(room: string, names: string[]): Promise<TestClient[]> {
  const clients: TestClient[] = [];
  for (let i = 0; i < names.length; i += 25) {
    clients.push(...(await Promise.all(names.slice(i, i + 25).map((name) => join(room, name)))));
  }
  return clients;
}

describe("presence in a room of more than 500", () => {
  it("lists 500 names, who spoke last first, counts everyone, and tells joins and leaves as a count", async () => {
    expect(LIMITS.onlineListMax).toBe(LIST);
    expect(LIMITS.presenceCountMs).toBe(5_000);
    const room = freshRoom();
    const watcher = await join(room, "watcher");
    const crowd = await joinAll(
      room,
      Array.from({ length: LIST - 1 }, (_, i) => `p${i}`),
    );
    // Everyone fits: join news as ever, the last with all 500 listed.
    const full = await watcher.nextChange((p) => p.onlineCount === LIST);
    expect(full.online).toHaveLength(LIST);
    await say(crowd[7] as TestClient, "early word");
    await say(crowd[3] as TestClient, "later word");

    const from = watcher.frames.length;
    const startedAt = Date.now();
    const late = await join(room, "late");
    const welcome = late.of("welcome")[0];
    expect(welcome?.onlineCount).toBe(LIST + 1);
    expect(welcome?.online).toHaveLength(LIST);
    expect(welcome?.online.slice(0, 2)).toEqual(["p3", "p7"]);
    expect(welcome?.online.slice(2, 4)).toEqual(["watcher", "p0"]);
    // The first count goes at once, and no join news does.
    expect(await watcher.next("presence", (p) => p.event === "count", from)).toEqual({
      type: "presence",
      event: "count",
      onlineCount: LIST + 1,
    });

    const later = await join(room, "later");
    (crowd[0] as TestClient).close();
    const third = await join(room, "third");
    // 502 now: told once, when 5 s have passed since the first count.
    const second = await watcher.next("presence", (p) => p.event === "count" && p.onlineCount === LIST + 2, from);
    expect(second).toEqual({ type: "presence", event: "count", onlineCount: LIST + 2 });
    expect(Date.now() - startedAt).toBeGreaterThan(4_500);
    const after = watcher.frames.slice(from).filter((f) => f.type === "presence");
    expect(after.map((f) => f.event)).toEqual(["count", "count"]);
    expect((await roomInfo(room)).onlineCount).toBe(LIST + 2);
    expect((await roomInfo(room)).online).toHaveLength(LIST);

    // Woken again (sockets hibernated), the room reads who spoke last from storage, once.
    await evictDurableObject(env.ROOMS.getByName(room), { webSockets: "hibernate" });
    const woken = await join(room, "woken");
    expect(woken.of("welcome")[0]?.online.slice(0, 2)).toEqual(["p3", "p7"]);
    woken.close();

    // Back to 500: the leave is told as ever, with the whole list.
    later.close();
    third.close();
    const leave = await watcher.nextChange((p) => p.event === "leave" && p.onlineCount === LIST, from);
    expect(leave.online).toHaveLength(LIST);
    await settle(200);
    for (const client of [watcher, late, ...crowd.slice(1)]) client.close();
  }, 120_000);
});
