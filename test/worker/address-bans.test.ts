import { evictDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { act, deviceCookie, freshIp, freshRoom, join, joinFrom, keyOf, refusal, request, upgrade } from "./helpers";

const ADMIN_HEADERS = { Authorization: `Bearer ${env.ADMIN_TOKEN}`, "Content-Type": "application/json" };

function connectFrom(room: string, name: string, ip: string, key: string | null = keyOf(name)) {
  return upgrade(`/api/rooms/${room}/ws?name=${name}`, {
    "CF-Connecting-IP": ip,
    ...(key === null ? {} : deviceCookie(key)),
  });
}

async function preflightFrom(room: string, name: string, ip: string, key: string): Promise<number> {
  const response = await request(`/api/rooms/${room}/ws?name=${name}`, {
    headers: { "CF-Connecting-IP": ip, ...deviceCookie(key) },
  });
  await response.body?.cancel();
  return response.status;
}

describe("a ban covers the banned person's address", () => {
  it("refuses a new key from a banned address, and lets an earlier member from it join", async () => {
    const room = freshRoom();
    const nat = freshIp();
    const owner = await join(room, "owner");
    const neighbour = await joinFrom(room, "neighbour", nat);
    const mallory = await joinFrom(room, "mallory", nat);
    neighbour.close();
    await neighbour.closed();
    expect(await act(owner, { type: "moderate", action: "ban", name: "mallory", minutes: 60 })).toMatchObject({
      type: "ack",
    });
    expect((await mallory.closed()).code).toBe(1008);
    // Back at once with a key she made herself and another name: refused, by preflight and by upgrade.
    expect(await preflightFrom(room, "mallory2", nat, keyOf("mallory2"))).toBe(403);
    const again = await refusal(await connectFrom(room, "mallory2", nat));
    expect(again).toMatchObject({ error: { code: "banned" }, code: 1008 });
    // Without a key too.
    expect((await refusal(await connectFrom(room, "guest", nat, null))).error).toMatchObject({ code: "banned" });
    // Someone who joined from that address before the ban is not affected.
    await evictDurableObject(env.ROOMS.getByName(room), { webSockets: "hibernate" });
    expect((await joinFrom(room, "neighbour", nat)).of("welcome")).toHaveLength(1);
    // Nor is a newcomer from elsewhere.
    expect((await joinFrom(room, "newcomer", freshIp())).of("welcome")).toHaveLength(1);
  });

  it("uses the address an offline person last came from", async () => {
    const room = freshRoom();
    const ip = freshIp();
    const owner = await join(room, "owner");
    const troll = await joinFrom(room, "troll", ip);
    troll.send({ type: "send", id: "t1", text: "spam" });
    await troll.next("ack");
    troll.close();
    await troll.closed();
    expect(await act(owner, { type: "moderate", action: "ban", name: "troll" })).toMatchObject({ type: "ack" });
    expect((await refusal(await connectFrom(room, "troll2", ip))).error).toMatchObject({ code: "banned" });
  });

  it("ends with the ban: an unbanned address admits new keys again", async () => {
    const room = freshRoom();
    const ip = freshIp();
    const owner = await join(room, "owner");
    await joinFrom(room, "troll", ip);
    await act(owner, { type: "moderate", action: "ban", name: "troll" });
    expect(await preflightFrom(room, "other", ip, keyOf("other"))).toBe(403);
    expect(await act(owner, { type: "moderate", action: "unban", name: "troll" })).toMatchObject({ type: "ack" });
    expect(await preflightFrom(room, "other", ip, keyOf("other"))).toBe(426);
  });
});

describe("every kick and ban closes the person's sockets", () => {
  it.each(["kick", "ban"])("an admin %s closes every socket with 1008, after the room hibernated", async (action) => {
    const room = freshRoom();
    await join(room, "owner");
    const target = await join(room, "target");
    const tab = await join(room, "target");
    await evictDurableObject(env.ROOMS.getByName(room), { webSockets: "hibernate" });
    const response = await request(`/api/rooms/${room}/moderation`, {
      method: "POST",
      headers: ADMIN_HEADERS,
      body: JSON.stringify({ action, name: "target" }),
    });
    expect(response.status).toBe(200);
    for (const socket of [target, tab]) {
      expect((await socket.closed()).code).toBe(1008);
      expect(socket.of("error").at(-1)).toMatchObject({ code: action === "ban" ? "banned" : "kicked" });
    }
  });
});
