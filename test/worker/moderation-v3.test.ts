import { evictDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { act, deviceCookie, freshRoom, join, keyOf, refusal, request, say, upgrade } from "./helpers";

const evict = (room: string) => evictDurableObject(env.ROOMS.getByName(room), { webSockets: "hibernate" });

async function preflight(room: string, name: string): Promise<{ status: number; code: string }> {
  const response = await request(`/api/rooms/${room}/ws?name=${name}`, { headers: deviceCookie(keyOf(name)) });
  return { status: response.status, code: ((await response.json()) as { error: { code: string } }).error.code };
}

describe("moderate actions of version 3, refused", () => {
  it("answers forbidden to members for every new action and the bans list", async () => {
    const room = freshRoom();
    const owner = await join(room, "owner");
    const bob = await join(room, "bob");
    await join(room, "carol");
    for (const frame of [
      { type: "moderate", action: "promote", name: "carol" },
      { type: "moderate", action: "demote", name: "carol" },
      { type: "moderate", action: "slow", seconds: 30 },
      { type: "moderate", action: "lock" },
      { type: "moderate", action: "unlock" },
      { type: "bans" },
    ]) {
      expect(await act(bob, frame)).toMatchObject({ type: "error", code: "forbidden" });
    }
    // Nothing happened: the room is neither slow nor locked, and nobody was promoted.
    const later = await join(room, "dave");
    expect(later.of("welcome")[0]).toMatchObject({ moderators: ["owner"], slowSeconds: 0, locked: false });
    expect(await act(owner, { type: "moderate", action: "promote", name: "owner" })).toMatchObject({
      code: "forbidden",
    });
    expect(await act(owner, { type: "moderate", action: "promote", name: "nobody" })).toMatchObject({
      code: "not_found",
    });
    expect(await act(owner, { type: "moderate", action: "demote", name: "carol" })).toMatchObject({
      code: "not_found",
    });
  });

  it("refuses malformed actions with bad_message and changes nothing", async () => {
    const room = freshRoom();
    const owner = await join(room, "owner");
    for (const frame of [
      { type: "moderate", action: "slow", seconds: 3601 },
      { type: "moderate", action: "slow", seconds: -1 },
      { type: "moderate", action: "slow", seconds: "30" },
      { type: "moderate", action: "slow" },
      { type: "moderate", action: "promote" },
      { type: "moderate", action: "promote", name: "\ud800" },
      { type: "moderate", action: "promote", name: "carol", minutes: 5 },
      { type: "moderate", action: "freeze" },
    ]) {
      expect(await act(owner, frame)).toMatchObject({ type: "error", code: "bad_message" });
    }
    owner.send({ type: "bans" });
    expect(await owner.next("error")).toMatchObject({ code: "bad_message" });
    expect((await join(room, "later")).of("welcome")[0]).toMatchObject({ slowSeconds: 0, locked: false });
  });
});

describe("promote and demote", () => {
  it("lets the owner appoint a moderator, who may then moderate; survives eviction; demote takes it back", async () => {
    const room = freshRoom();
    const owner = await join(room, "owner");
    const bob = await join(room, "bob");
    const carol = await join(room, "carol");
    await join(room, "mallory");
    expect(await act(owner, { type: "moderate", action: "promote", name: "bob" })).toMatchObject({ type: "ack" });
    expect(await carol.next("moderation")).toMatchObject({ action: "promote", name: "bob", by: "owner" });
    // The role is checked on every action, so bob's open socket may moderate now.
    expect(await act(bob, { type: "moderate", action: "kick", name: "mallory" })).toMatchObject({ type: "ack" });
    // A moderator does not appoint others, nor act on the owner.
    expect(await act(bob, { type: "moderate", action: "promote", name: "carol" })).toMatchObject({
      code: "forbidden",
    });
    expect(await act(bob, { type: "moderate", action: "kick", name: "owner" })).toMatchObject({ code: "forbidden" });

    await evict(room);
    const bobAgain = await join(room, "bob");
    expect(bobAgain.of("welcome")[0]).toMatchObject({ role: "moderator", moderators: ["owner", "bob"] });
    expect(await act(bobAgain, { type: "moderate", action: "slow", seconds: 5 })).toMatchObject({ type: "ack" });

    expect(await act(owner, { type: "moderate", action: "demote", name: "bob" })).toMatchObject({ type: "ack" });
    expect(await carol.next("moderation", (e) => e.action === "demote")).toMatchObject({ name: "bob" });
    await evict(room);
    const bobThird = await join(room, "bob");
    expect(bobThird.of("welcome")[0]).toMatchObject({ role: "member", moderators: ["owner"] });
    expect(await act(bobThird, { type: "moderate", action: "unlock" })).toMatchObject({ code: "forbidden" });
  });

  it("lets only the owner act on a moderator", async () => {
    const room = freshRoom();
    const owner = await join(room, "owner");
    const bob = await join(room, "bob");
    const carol = await join(room, "carol");
    await act(owner, { type: "moderate", action: "promote", name: "bob" });
    await act(owner, { type: "moderate", action: "promote", name: "carol" });
    expect(await act(bob, { type: "moderate", action: "ban", name: "carol" })).toMatchObject({ code: "forbidden" });
    expect(await act(owner, { type: "moderate", action: "kick", name: "carol" })).toMatchObject({ type: "ack" });
    expect((await carol.closed()).code).toBe(1008);
  });
});

describe("slow mode", () => {
  it("lets a member send once per interval (slow_mode with retryAfterMs) and exempts moderators", async () => {
    const room = freshRoom();
    const owner = await join(room, "owner");
    const member = await join(room, "member");
    expect(await act(owner, { type: "moderate", action: "slow", seconds: 60 })).toMatchObject({ type: "ack" });
    expect(await member.next("moderation")).toMatchObject({ action: "slow", name: "", seconds: 60, by: "owner" });
    const firstId = crypto.randomUUID();
    const first = await say(member, "first", firstId);
    const refused = await act(member, { type: "send", text: "second" });
    expect(refused).toMatchObject({ type: "error", code: "slow_mode" });
    const retryAfterMs = refused.type === "error" ? (refused.retryAfterMs ?? 0) : 0;
    expect(retryAfterMs).toBeGreaterThan(0);
    expect(retryAfterMs).toBeLessThanOrEqual(60_000);
    // The first message sent again is a retry, answered as before, not refused.
    const from = member.frames.length;
    member.send({ type: "send", id: firstId, text: "first" });
    expect(await member.next("ack", (a) => a.id === firstId, from)).toEqual(first);
    // Moderators are exempt.
    await say(owner, "one");
    await say(owner, "two");

    await evict(room);
    expect((await join(room, "late")).of("welcome")[0]).toMatchObject({ slowSeconds: 60 });
    // The room hibernated and woke: the member's last message still counts.
    expect(await act(member, { type: "send", text: "after the wake" })).toMatchObject({ code: "slow_mode" });
    await act(owner, { type: "moderate", action: "slow", seconds: 0 });
    const off = await member.next("moderation", (e) => e.action === "slow" && e.seconds === 0);
    expect(off).toMatchObject({ seconds: 0 });
    expect(await act(member, { type: "send", text: "free again" })).toMatchObject({ type: "ack" });
  });
});

describe("lock", () => {
  it("refuses identities new to the room (locked, 1008; 403 to the preflight) and keeps earlier members", async () => {
    const room = freshRoom();
    const owner = await join(room, "owner");
    const regular = await join(room, "regular");
    regular.close();
    expect(await act(owner, { type: "moderate", action: "lock" })).toMatchObject({ type: "ack" });
    await evict(room);

    expect(await preflight(room, "newcomer")).toEqual({ status: 403, code: "locked" });
    const refused = await refusal(
      await upgrade(`/api/rooms/${room}/ws?name=newcomer`, deviceCookie(keyOf("newcomer"))),
    );
    expect(refused).toMatchObject({ code: 1008, error: { type: "error", code: "locked" } });
    const back = await join(room, "regular");
    expect(back.of("welcome")[0]).toMatchObject({ locked: true });

    expect(await act(owner, { type: "moderate", action: "unlock" })).toMatchObject({ type: "ack" });
    expect(await back.next("moderation", (e) => e.action === "unlock")).toMatchObject({ name: "", by: "owner" });
    expect((await join(room, "newcomer")).of("welcome")[0]).toMatchObject({ locked: false });
  });
});

describe("the bans list", () => {
  it("lists bans in force for moderators, with their length; events carry minutes", async () => {
    const room = freshRoom();
    const owner = await join(room, "owner");
    const watcher = await join(room, "watcher");
    const malloryOnline = await join(room, "mallory");
    await join(room, "trent");
    const before = Date.now();
    await act(owner, { type: "moderate", action: "ban", name: "mallory", minutes: 60 });
    // The banned person is told how long, and when it ends (retryAfterMs); so is the preflight (Retry-After).
    await malloryOnline.closed();
    const told = malloryOnline.of("error").at(-1);
    expect(told).toMatchObject({ code: "banned", message: expect.stringContaining("by owner for 60 minutes") });
    expect(told?.retryAfterMs).toBeGreaterThan(59 * 60_000);
    expect(told?.retryAfterMs).toBeLessThanOrEqual(60 * 60_000);
    const preflightAnswer = await request(`/api/rooms/${room}/ws?name=mallory`, {
      headers: deviceCookie(keyOf("mallory")),
    });
    expect(preflightAnswer.status).toBe(403);
    expect(Number(preflightAnswer.headers.get("Retry-After"))).toBeGreaterThan(59 * 60);
    expect(await preflightAnswer.json()).toMatchObject({
      error: { message: expect.stringContaining("for another 60 minutes") },
    });
    await act(owner, { type: "moderate", action: "ban", name: "trent" });
    expect(await watcher.next("moderation", (e) => e.name === "mallory")).toMatchObject({ action: "ban", minutes: 60 });
    const forever = await watcher.next("moderation", (e) => e.name === "trent");
    expect(forever.minutes).toBeUndefined();

    owner.send({ type: "bans", id: "b1" });
    const { bans } = await owner.next("bans", (f) => f.id === "b1");
    expect(bans).toHaveLength(2);
    const mallory = bans.find((b) => b.name === "mallory");
    expect(mallory).toMatchObject({ by: "owner" });
    expect(mallory?.until).toBeGreaterThanOrEqual(before + 60 * 60_000);
    expect(bans.find((b) => b.name === "trent")).toMatchObject({ until: null, by: "owner" });

    await act(owner, { type: "moderate", action: "unban", name: "trent" });
    await evict(room);
    const again = await join(room, "owner");
    again.send({ type: "bans", id: "b2" });
    expect((await again.next("bans", (f) => f.id === "b2")).bans.map((b) => b.name)).toEqual(["mallory"]);
    // A replay carries the ban's length too.
    const replay = await join(room, "reader", "&since=0");
    const events = replay.of("welcome")[0]?.history ?? [];
    expect(events.find((e) => e.type === "moderation" && e.name === "mallory")).toMatchObject({ minutes: 60 });
  });
});
