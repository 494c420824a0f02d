import { createExecutionContext, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { WRONG_TOKENS_PER_MINUTE } from "../../src/worker/admin-guard";
import { addressKey, app } from "../../src/worker/app";
import { freshIp, freshRoom, join, request } from "./helpers";

const RIGHT_TOKEN = env.ADMIN_TOKEN ?? "";
const WRONG_TOKEN = "a-wrong-admin-token-of-at-least-32-characters";

/** An admin request from `ip`: a kick in a fresh room unless the test names one (so counts span rooms). */
function admin(ip: string, token: string, room = freshRoom(), name = "nobody"): Promise<Response> {
  return request(`/api/rooms/${room}/moderation`, {
    method: "POST",
    headers: { Authorization: `Bearer ${token}`, "CF-Connecting-IP": ip, "Content-Type": "application/json" },
    body: JSON.stringify({ action: "kick", name }),
  });
}

/** A kick the room can carry out: 200 when the request gets through. */
async function kickSomeone(ip: string, token = RIGHT_TOKEN): Promise<Response> {
  const room = freshRoom();
  await join(room, "mallory");
  return admin(ip, token, room, "mallory");
}

async function wrongTokens(ip: string, count: number): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < count; i++) statuses.push((await admin(ip, WRONG_TOKEN)).status);
  return statuses;
}

const guardOf = async (ip: string) => env.ADMIN_GUARD.getByName(await addressKey(ip));

describe("the admin token", () => {
  it("answers 401 to each of 10 wrong tokens a minute, and still admits the right one", async () => {
    const ip = freshIp();
    expect(await wrongTokens(ip, WRONG_TOKENS_PER_MINUTE)).toEqual(Array(WRONG_TOKENS_PER_MINUTE).fill(401));
    expect((await kickSomeone(ip)).status).toBe(200);
  });

  it("past 10 wrong tokens, answers 429 to every admin request from that address, the right token too", async () => {
    const ip = freshIp();
    await wrongTokens(ip, WRONG_TOKENS_PER_MINUTE);
    const eleventh = await admin(ip, WRONG_TOKEN);
    expect(eleventh.status).toBe(429);
    expect(await eleventh.json()).toMatchObject({ error: { code: "too_many_requests" } });
    const right = await kickSomeone(ip);
    expect(right.status).toBe(429);
    expect(await right.json()).toMatchObject({ error: { code: "too_many_requests" } });
    const retryAfter = Number(right.headers.get("Retry-After"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    // Another address is not affected.
    expect((await kickSomeone(freshIp())).status).toBe(200);
  });

  it("counts by a hash of the address, never the address, and forgets it when the minute ends", async () => {
    const ip = freshIp();
    await wrongTokens(ip, WRONG_TOKENS_PER_MINUTE + 1);
    expect((await kickSomeone(ip)).status).toBe(429);
    const guard = await guardOf(ip);
    const stored = await runInDurableObject(guard, (_g, state) => state.storage.kv.get("window"));
    expect(stored).toMatchObject({ wrong: WRONG_TOKENS_PER_MINUTE + 1 });
    // Nothing is kept under the raw address.
    expect(
      await runInDurableObject(env.ADMIN_GUARD.getByName(ip), (_g, state) => [...state.storage.kv.list()]),
    ).toEqual([]);
    // The minute ends: the alarm deletes the count, and the right token works again.
    await runInDurableObject(guard, (_g, state) => {
      state.storage.kv.put("window", { endsAt: Date.now() - 1, wrong: WRONG_TOKENS_PER_MINUTE + 1 });
    });
    expect(await runDurableObjectAlarm(guard)).toBe(true);
    expect(await runInDurableObject(guard, (_g, state) => [...state.storage.kv.list()])).toEqual([]);
    expect((await kickSomeone(ip)).status).toBe(200);
  });
});

describe("an ADMIN_TOKEN shorter than 32 characters", () => {
  // The real app with this one var changed; an empty body is 400 once the token is accepted.
  const adminWith = (token: string | undefined) =>
    app.fetch(
      new Request("https://parley.test/api/rooms/lobby/moderation", {
        method: "POST",
        headers: { Authorization: `Bearer ${token}`, "CF-Connecting-IP": freshIp() },
      }),
      { ...env, ADMIN_TOKEN: token },
      createExecutionContext(),
    );

  it("leaves the admin API off (404), and the log says why once, without the token", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    try {
      const short = "x".repeat(31);
      for (let i = 0; i < 2; i++) {
        const response = await adminWith(short);
        expect(response.status).toBe(404);
        expect(await response.json()).toMatchObject({ error: { code: "not_found" } });
      }
      expect(warn).toHaveBeenCalledOnce();
      expect(String(warn.mock.calls[0])).toContain("ADMIN_TOKEN is shorter than 32 characters");
      expect(String(warn.mock.calls[0])).not.toContain(short);
      // 32 characters turn it on.
      expect((await adminWith("x".repeat(32))).status).toBe(400);
    } finally {
      warn.mockRestore();
    }
  });

  it("is off without a word when ADMIN_TOKEN is not set", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    try {
      expect((await adminWith(undefined)).status).toBe(404);
      expect(warn).not.toHaveBeenCalled();
    } finally {
      warn.mockRestore();
    }
  });
});
