import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import {
  act,
  deviceCookie,
  freshIp,
  freshRoom,
  join,
  joinFrom,
  keyOf,
  refusal,
  request,
  say,
  settle,
  upgrade,
} from "./helpers";

const evict = (room: string) => evictDurableObject(env.ROOMS.getByName(room), { webSockets: "hibernate" });

async function preflightStatus(room: string, name: string): Promise<{ status: number; code: string }> {
  const response = await request(`/api/rooms/${room}/ws?name=${name}`, { headers: deviceCookie(keyOf(name)) });
  return { status: response.status, code: ((await response.json()) as { error: { code: string } }).error.code };
}

function admin(room: string, body: unknown, token = env.ADMIN_TOKEN) {
  return request(`/api/rooms/${room}/moderation`, {
    method: "POST",
    headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
}

describe("who moderates", () => {
  it("makes the first identity with a key the owner; welcome says each person's role", async () => {
    const room = freshRoom();
    const guest = await joinFrom(room, "guest", freshIp(), "", null);
    const owner = await join(room, "owner");
    const member = await join(room, "member");
    expect(guest.of("welcome")[0]?.role).toBe("member");
    expect(owner.of("welcome")[0]?.role).toBe("owner");
    expect(member.of("welcome")[0]?.role).toBe("member");
    await evict(room);
    expect((await join(room, "owner")).of("welcome")[0]?.role).toBe("owner");
  });
});

describe("kick", () => {
  it("closes the person's sockets with 1008 after telling them; everyone sees who did it", async () => {
    const room = freshRoom();
    const alice = await join(room, "alice");
    const bob = await join(room, "bob");
    const mallory = await join(room, "mallory");
    const malloryTab = await join(room, "mallory");
    await evict(room);
    expect(await act(alice, { type: "moderate", action: "kick", name: "Mallory" })).toMatchObject({ type: "ack" });
    for (const socket of [mallory, malloryTab]) {
      expect((await socket.closed()).code).toBe(1008);
      expect(socket.of("error").at(-1)).toMatchObject({ code: "kicked", message: expect.stringContaining("alice") });
    }
    expect(await bob.next("moderation")).toMatchObject({ action: "kick", name: "mallory", by: "alice" });
    // A kick is not a ban: they may come back.
    expect((await join(room, "mallory")).of("welcome")).toHaveLength(1);
  });

  it("refuses members, and never acts on the owner or on oneself", async () => {
    const room = freshRoom();
    const owner = await join(room, "owner");
    const bob = await join(room, "bob");
    await join(room, "carol");
    expect(await act(bob, { type: "moderate", action: "kick", name: "carol" })).toMatchObject({ code: "forbidden" });
    expect(await act(owner, { type: "moderate", action: "kick", name: "owner" })).toMatchObject({ code: "forbidden" });
    expect(await act(owner, { type: "moderate", action: "kick", name: "nobody" })).toMatchObject({ code: "not_found" });
  });
});

describe("ban", () => {
  it("closes their sockets, refuses them on connect (banned, 403 to the preflight), until unbanned", async () => {
    const room = freshRoom();
    const owner = await join(room, "owner");
    const bystander = await join(room, "bystander");
    const mallory = await join(room, "mallory");
    await act(owner, { type: "moderate", action: "ban", name: "mallory" });
    expect((await mallory.closed()).code).toBe(1008);
    expect(mallory.of("error").at(-1)?.code).toBe("banned");
    expect(await bystander.next("moderation")).toMatchObject({ action: "ban", name: "mallory", by: "owner" });
    await evict(room);
    expect(await preflightStatus(room, "mallory")).toEqual({ status: 403, code: "banned" });
    const refused = await refusal(await upgrade(`/api/rooms/${room}/ws?name=mallory2`, deviceCookie(keyOf("mallory"))));
    expect(refused).toMatchObject({ code: 1008, error: { code: "banned" } });

    expect(await act(owner, { type: "moderate", action: "unban", name: "mallory" })).toMatchObject({ type: "ack" });
    expect(await preflightStatus(room, "mallory")).toEqual({ status: 426, code: "upgrade_required" });
  });

  it("bans for a number of minutes, then lets them in again", async () => {
    const room = freshRoom();
    const owner = await join(room, "owner");
    await join(room, "mallory");
    await act(owner, { type: "moderate", action: "ban", name: "mallory", minutes: 1 });
    expect((await preflightStatus(room, "mallory")).code).toBe("banned");
    await runInDurableObject(env.ROOMS.getByName(room), (_r, state) => {
      state.storage.sql.exec("UPDATE bans SET until = ?", Date.now() - 1);
    });
    expect((await preflightStatus(room, "mallory")).status).toBe(426);
  });

  it("checks on every action: a banned identity's other frames do nothing", async () => {
    const room = freshRoom();
    const owner = await join(room, "owner");
    const mallory = await join(room, "mallory");
    const sent = await say(mallory, "before the ban");
    await act(owner, { type: "moderate", action: "ban", name: "mallory" });
    await mallory.closed();
    await settle();
    // The message stays (the ban removes the person, not their words), and nothing more came from them.
    const reader = await join(room, "reader", "&since=0");
    const history = reader.of("welcome")[0]?.history ?? [];
    expect(history.filter((e) => e.type === "message").map((e) => e.seq)).toEqual([sent.seq]);
  });
});

describe("deployers' API", () => {
  it("moderates any room with ADMIN_TOKEN: delete, kick, ban", async () => {
    const room = freshRoom();
    const stranger = await join(room, "stranger");
    const watcher = await join(room, "watcher");
    const sent = await say(stranger, "spam");
    const deleted = await admin(room, { action: "delete", target: sent.seq });
    expect(deleted.status).toBe(200);
    expect(await deleted.json()).toMatchObject({ ok: true, seq: sent.seq + 1 });
    expect(await watcher.next("deleted")).toMatchObject({ target: sent.seq, by: "an administrator" });
    // Even the owner (the stranger here) can be banned by the deployer.
    expect((await admin(room, { action: "ban", name: "stranger", minutes: 60 })).status).toBe(200);
    expect((await stranger.closed()).code).toBe(1008);
    expect(await watcher.next("moderation")).toMatchObject({ action: "ban", name: "stranger", by: "an administrator" });
  });

  it("answers 401 to a wrong or missing token and 400 to a bad body", async () => {
    const room = freshRoom();
    expect((await admin(room, { action: "kick", name: "x" }, "wrong")).status).toBe(401);
    expect((await request(`/api/rooms/${room}/moderation`, { method: "POST", body: "{}" })).status).toBe(401);
    expect((await admin(room, { action: "explode" })).status).toBe(400);
    expect((await admin(room, { action: "delete", target: 5 })).status).toBe(404);
  });
});
