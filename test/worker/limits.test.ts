import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { ChatRoom } from "../../src/room/chat-room";
import { LIMITS } from "../../src/shared/protocol";
import {
  clearOfWindowEnd,
  freshIp,
  freshRoom,
  join,
  joinFrom,
  lastSeq,
  refusal,
  request,
  say,
  upgrade,
} from "./helpers";

describe("per-connection rate limit", () => {
  it("refuses frames past the burst with rate_limited and a retry hint, storing nothing, socket open", async () => {
    const room = freshRoom();
    const alice = await join(room, "alice");
    for (let i = 0; i < LIMITS.rateBurst + 5; i++) alice.send({ type: "send", id: `f${i}`, text: `flood ${i}` });
    const acks = await alice.collect("ack", LIMITS.rateBurst);
    const refusals = await alice.collect("error", 5);
    expect(acks.map((a) => a.id)).toEqual(Array.from({ length: LIMITS.rateBurst }, (_, i) => `f${i}`));
    for (const refusal of refusals) {
      expect(refusal.code).toBe("rate_limited");
      expect(refusal.retryAfterMs).toBeGreaterThan(0);
      expect(refusal.retryAfterMs).toBeLessThanOrEqual(1000 / LIMITS.ratePerSecond + 1);
    }
    expect(refusals.map((r) => r.id)).toEqual(["f10", "f11", "f12", "f13", "f14"]);
    expect(await lastSeq(room)).toBe(LIMITS.rateBurst);
    // After the hinted wait the same message goes through.
    await new Promise((r) => setTimeout(r, refusals[0]?.retryAfterMs ?? 0));
    expect((await say(alice, "flood 10", "f10")).seq).toBe(LIMITS.rateBurst + 1);
  });

  it("limits each connection on its own", async () => {
    const room = freshRoom();
    const alice = await join(room, "alice");
    const bob = await join(room, "bob");
    for (let i = 0; i < LIMITS.rateBurst; i++) alice.send({ type: "send", id: `a${i}`, text: "a" });
    await alice.collect("ack", LIMITS.rateBurst);
    expect((await say(bob, "bob is fine")).seq).toBe(LIMITS.rateBurst + 1);
  });

  it("closes a connection that keeps flooding with 1008", async () => {
    const room = freshRoom();
    const flooder = await join(room, "flooder");
    const bystander = await join(room, "bystander");
    for (let i = 0; i < LIMITS.rateBurst + LIMITS.floodCloseAfter + 5; i++) flooder.send({ type: "typing" });
    expect((await flooder.closed()).code).toBe(1008);
    expect(await bystander.nextChange((p) => p.event === "leave")).toMatchObject({ name: "flooder" });
    // The burst, and what refilled while the flood lasted.
    expect(bystander.of("typing").length).toBeLessThanOrEqual(LIMITS.rateBurst + LIMITS.ratePerSecond);
  });
});

describe("flush before close", () => {
  it("delivers every ack and rate_limited error a flood is owed before closing it with 1008", async () => {
    const room = freshRoom();
    const flooder = await join(room, "flooder");
    const total = LIMITS.rateBurst + LIMITS.floodCloseAfter + 1;
    for (let i = 0; i < total; i++) flooder.send({ type: "send", id: `f${i}`, text: `flood ${i}` });
    expect((await flooder.closed()).code).toBe(1008);
    expect(flooder.of("ack").map((a) => a.id)).toEqual(Array.from({ length: LIMITS.rateBurst }, (_, i) => `f${i}`));
    const refusals = flooder.of("error");
    expect(refusals).toHaveLength(LIMITS.floodCloseAfter);
    expect(refusals.every((e) => e.code === "rate_limited")).toBe(true);
  });
});

describe("per-IP connection limit", () => {
  // vitest.config.ts sets the limit to 30 a minute (production: 1000, in wrangler.toml).
  it("answers 429 with a JSON error past the attempts allowed a minute from one address", async () => {
    await clearOfWindowEnd();
    const ip = freshIp();
    const room = freshRoom();
    const statuses: number[] = [];
    // Plain GETs count as attempts too (and are cheaper to make than sockets).
    for (let i = 0; i < 31; i++) {
      const response = await request(`/api/rooms/${room}/ws?name=a`, { headers: { "CF-Connecting-IP": ip } });
      statuses.push(response.status);
      if (response.status === 429) {
        expect(response.headers.get("retry-after")).toBe("60");
        expect(((await response.json()) as { error: { code: string } }).error.code).toBe("too_many_requests");
      } else {
        await response.body?.cancel();
      }
    }
    expect(statuses.slice(0, 30).every((s) => s === 426)).toBe(true);
    expect(statuses[30]).toBe(429);
    // Someone else is unaffected.
    expect((await upgrade(`/api/rooms/${room}/ws?name=b`)).status).toBe(101);
  });
});

describe("room capacity", () => {
  it("refuses a socket past the room's limit with room_full and close 1013", async () => {
    const room = freshRoom();
    const limit = Number(env.ROOM_SOCKET_LIMIT);
    const people = [];
    for (let i = 0; i < limit; i++) people.push(await join(room, `p${i}`));
    const refused = await refusal(await upgrade(`/api/rooms/${room}/ws?name=late`));
    expect(refused.code).toBe(1013);
    expect(refused.error).toMatchObject({ type: "error", code: "room_full" });
    // Nobody saw the refused person join; a leave frees a place.
    expect(people[0]?.changes().some((p) => p.name === "late")).toBe(false);
    people[1]?.close();
    await people[0]?.nextChange((p) => p.event === "leave");
    expect((await join(room, "late")).of("welcome")[0]?.onlineCount).toBe(limit);
  });
});

describe("sockets per address in a room", () => {
  it("refuses one address past its share with too_many_connections, leaving room for others", async () => {
    const room = freshRoom();
    const ip = freshIp();
    const perAddress = Number(env.ROOM_SOCKETS_PER_ADDRESS);
    const fromOneAddress = [];
    for (let i = 0; i < perAddress; i++) fromOneAddress.push(await joinFrom(room, `p${i}`, ip));
    const refused = await refusal(await upgrade(`/api/rooms/${room}/ws?name=extra`, { "CF-Connecting-IP": ip }));
    expect(refused.code).toBe(1013);
    expect(refused.error).toMatchObject({ type: "error", code: "too_many_connections" });
    // Another address still gets in, and a freed place can be taken again.
    expect((await join(room, "someone else")).of("welcome")).toHaveLength(1);
    fromOneAddress[0]?.close();
    await fromOneAddress[1]?.nextChange((p) => p.event === "leave" && p.name === "p0");
    expect((await joinFrom(room, "back", ip)).of("welcome")).toHaveLength(1);
  });
});

describe("dead sockets", () => {
  it("keeps a prune alarm set while the room has sockets, and lets it lapse when it has none", async () => {
    const room = freshRoom();
    const stub = env.ROOMS.getByName(room);
    // Without device keys: nobody owns the room or holds a name, so nothing keeps it once empty.
    const alice = await joinFrom(room, "alice", freshIp(), "", null);
    await joinFrom(room, "bob", freshIp(), "", null);
    const alarm = await runInDurableObject(stub, (_room, state) => state.storage.getAlarm());
    expect(alarm).toBeGreaterThan(Date.now());
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await runInDurableObject(stub, (_room, state) => state.storage.getAlarm())).toBeGreaterThan(Date.now());
    alice.close();
    await runInDurableObject(stub, (instance: ChatRoom) =>
      instance.pruneIdleSockets(Date.now() + 10 * LIMITS.idleTimeoutMs),
    );
    await runDurableObjectAlarm(stub);
    expect(await runInDurableObject(stub, (_room, state) => state.storage.getAlarm())).toBeNull();
  });

  it("closes sockets that stopped pinging and announces them gone", async () => {
    const room = freshRoom();
    const alice = await join(room, "alice");
    const ghost = await join(room, "ghost");
    const stub = env.ROOMS.getByName(room);
    const prune = (at: number) => runInDurableObject(stub, (instance: ChatRoom) => instance.pruneIdleSockets(at));
    expect(await prune(Date.now())).toBe(0);
    // A second later Alice's page pings; the ghost's has gone quiet.
    await new Promise((r) => setTimeout(r, 1000));
    alice.sendRaw("ping");
    await new Promise((r) => setTimeout(r, 100));
    expect(await prune(Date.now() + LIMITS.idleTimeoutMs - 500)).toBe(1);
    expect((await ghost.closed()).code).toBe(1001);
    expect(await alice.nextChange((p) => p.event === "leave")).toMatchObject({
      name: "ghost",
      online: ["alice"],
    });
  });
});
