import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { NameClaims } from "../../src/room/log/name-claims";
import { ensureSchema } from "../../src/room/log/schema";
import { nameSkeleton } from "../../src/shared/display-name";
import { deviceCookie, freshRoom, join, keyOf, request, say, settle, TestClient } from "./helpers";

async function preflight(room: string, name: string, key: string): Promise<number> {
  const response = await request(`/api/rooms/${room}/ws?name=${encodeURIComponent(name)}`, {
    headers: deviceCookie(key),
  });
  await response.body?.cancel();
  return response.status;
}

async function leave(client: TestClient): Promise<void> {
  client.close();
  await client.closed();
}

describe("names per identity", () => {
  it("holds at most NAMES_PER_IDENTITY names once gone: a fourth releases the oldest", async () => {
    const room = freshRoom();
    const key = keyOf("squatter");
    const names = ["admin", "support", "mary", "moderator"];
    for (const name of names) {
      const response = await request(`/api/rooms/${room}/ws?name=${name}`, {
        headers: { Upgrade: "websocket", ...deviceCookie(key) },
      });
      const client = new TestClient(response.webSocket as WebSocket);
      await client.next("welcome");
      await say(client, `I am ${name}`);
      await leave(client);
      await settle(20);
    }
    await settle();
    const other = keyOf("mary-herself");
    // The oldest hold was released; the three newest still stand.
    expect(await preflight(room, "admin", other)).toBe(426);
    for (const name of names.slice(1)) expect(await preflight(room, name, other)).toBe(409);
  });

  it("writes no hold for a name that never posted, however many are tried", async () => {
    const room = freshRoom();
    for (const name of ["alice", "bob", "carol", "dave", "erin"]) await leave(await join(room, name));
    await settle();
    const held = await runInDurableObject(env.ROOMS.getByName(room), (_room, state) =>
      state.storage.sql.exec("SELECT name FROM sqlite_master WHERE name = 'names'").toArray().length > 0
        ? state.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM names").one().n
        : 0,
    );
    expect(held).toBe(0);
  });
});

// Look-alike spellings of two names: every variant of one has the same skeleton.
const VARIANTS = ["pete", "Pete", "þete", "ƿete", "PETE", "bob3", "bob३", "Bob3", "BOB3"];

describe("name claims property", () => {
  it("never lets two identities hold names whose skeletons are equal", async () => {
    const room = freshRoom();
    await runInDurableObject(env.ROOMS.getByName(room), (_room, state) => {
      const op = fc.record({
        who: fc.constantFrom("d:a", "d:b", "d:c", "j:x"),
        name: fc.constantFrom(...VARIANTS),
        act: fc.constantFrom("join", "post", "leave"),
        // Mostly the same day; now and then past a hold's 30 days.
        advanceDays: fc.oneof(
          { weight: 8, arbitrary: fc.constant(0) },
          { weight: 2, arbitrary: fc.integer({ min: 1, max: 40 }) },
        ),
      });
      fc.assert(
        fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
          ensureSchema(state.storage.sql);
          state.storage.sql.exec("DELETE FROM names");
          const claims = new NameClaims(state.storage.sql, { holdDays: 30, namesPerIdentity: 3 });
          const open = new Map<string, number>(); // who|skeleton -> sockets
          let now = Date.now();
          for (const { who, name, act, advanceDays } of ops) {
            now += advanceDays * 24 * 60 * 60 * 1000;
            const skeleton = nameSkeleton(name);
            const key = `${who}|${skeleton}`;
            if (act === "join" && !claims.heldByOther(who, skeleton, now)) {
              claims.use(who, name, skeleton);
              open.set(key, (open.get(key) ?? 0) + 1);
            } else if (act === "post" && (open.get(key) ?? 0) > 0) {
              claims.wrote(who, name, skeleton, now);
            } else if (act === "leave" && (open.get(key) ?? 0) > 0) {
              open.set(key, (open.get(key) ?? 0) - 1);
              claims.release(who, skeleton, now);
            }
            // Whoever holds a skeleton, nobody else is let in under it.
            for (const variant of VARIANTS) {
              const holder = claims.identityOf(nameSkeleton(variant), now);
              const using = [...open].filter(([k, n]) => n > 0 && k.endsWith(`|${nameSkeleton(variant)}`));
              const identities = new Set(using.map(([k]) => k.split("|")[0]));
              if (holder) identities.add(holder.identity);
              const stored = state.storage.sql.exec<{ identity: string }>(
                "SELECT identity FROM names WHERE skeleton = ? AND last_used > ?",
                nameSkeleton(variant),
                now - 30 * 24 * 60 * 60 * 1000,
              );
              for (const row of stored) identities.add(row.identity);
              if (identities.size > 1) return false;
            }
          }
          return true;
        }),
        { numRuns: 200 },
      );
    });
  });
});

describe("stored skeletons follow the confusables data", () => {
  it("recomputes holds and bans written under older data, so look-alikes still collide", async () => {
    const room = freshRoom();
    const stub = env.ROOMS.getByName(room);
    await runInDurableObject(stub, (_room, state) => {
      ensureSchema(state.storage.sql);
      // As an older data version keyed them: "þete" apart from "pete".
      state.storage.sql.exec(
        "INSERT INTO names (skeleton, identity, name, last_used) VALUES ('þete', 'd:old', 'þete', ?)",
        Date.now(),
      );
      state.storage.sql.exec("UPDATE meta SET value = '13.0.0' WHERE key = 'skeletons'");
    });
    await evictDurableObject(stub);
    expect(await preflight(room, "pete", keyOf("newcomer"))).toBe(409);
  });
});
