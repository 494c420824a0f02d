import { describe, expect, it } from "vitest";
import { freshRoom, join, ORIGIN, request, say, upgrade } from "./helpers";

async function expectJsonError(response: Response, status: number, code: string) {
  expect(response.status).toBe(status);
  expect(response.headers.get("content-type")).toMatch(/application\/json/);
  const body = (await response.json()) as { error: { code: string; message: string } };
  expect(body.error.code).toBe(code);
  expect(body.error.message.length).toBeGreaterThan(0);
}

describe("HTTP routes", () => {
  it("answers the health check", async () => {
    const response = await request("/api/health");
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true });
  });

  it("redirects a room page to its lower-case name, keeping the query", async () => {
    const response = await request("/Lobby?name=alice", { redirect: "manual" });
    expect(response.status).toBe(301);
    expect(response.headers.get("location")).toBe(`${ORIGIN}/lobby?name=alice`);
  });

  it("describes a room: who is online and its last seq", async () => {
    const room = freshRoom();
    const empty = await request(`/api/rooms/${room}`);
    expect(await empty.json()).toEqual({ room, online: [], onlineCount: 0, lastSeq: 0, shards: 0 });
    const alice = await join(room, "alice");
    await join(room, "bob");
    await say(alice, "hi");
    const busy = await request(`/api/rooms/${room.toUpperCase()}`);
    expect(await busy.json()).toEqual({ room, online: ["alice", "bob"], onlineCount: 2, lastSeq: 1, shards: 0 });
  });

  it.each([
    ["a dot", "bad.room"],
    ["65 characters", "a".repeat(65)],
    ["a space", "bad%20room"],
    ["non-ASCII", "caf%C3%A9"],
  ])("refuses a room name with %s with 400 bad_room", async (_, room) => {
    await expectJsonError(await request(`/api/rooms/${room}`), 400, "bad_room");
    await expectJsonError(await upgrade(`/api/rooms/${room}/ws?name=alice`), 400, "bad_room");
  });

  it("accepts a 64-character room name", async () => {
    const response = await upgrade(`/api/rooms/${"r".repeat(64)}/ws?name=alice`);
    expect(response.status).toBe(101);
    response.webSocket?.accept();
    response.webSocket?.close();
  });

  it("answers 426 to a socket request without an upgrade", async () => {
    await expectJsonError(await request(`/api/rooms/${freshRoom()}/ws?name=alice`), 426, "upgrade_required");
  });

  it("answers 404 JSON to an unknown API route", async () => {
    await expectJsonError(await request("/api/nope"), 404, "not_found");
  });

  describe("origin check", () => {
    const open = (origin?: string) =>
      upgrade(`/api/rooms/${freshRoom()}/ws?name=alice`, origin === undefined ? {} : { Origin: origin });

    it.each([
      ["no Origin (a command-line client)", undefined],
      ["its own origin", ORIGIN],
      ["an allow-listed origin", "https://friend.example"],
    ])("lets %s in", async (_, origin) => {
      const response = await open(origin);
      expect(response.status).toBe(101);
      response.webSocket?.accept();
      response.webSocket?.close();
    });

    it.each([
      ["a foreign site", "https://evil.example"],
      ["a look-alike suffix", "https://friend.example.evil.com"],
      ["another scheme", "http://friend.example"],
      ["another port", "https://parley.test:8443"],
      ["a null origin", "null"],
    ])("refuses %s with 403", async (_, origin) => {
      await expectJsonError(await open(origin), 403, "forbidden_origin");
    });
  });
});
