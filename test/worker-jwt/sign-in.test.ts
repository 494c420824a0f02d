import { env } from "cloudflare:workers";
import { sign } from "hono/jwt";
import { describe, expect, it } from "vitest";
import { freshRoom, request, TestClient, upgrade } from "../worker/helpers";

const hour = () => Math.floor(Date.now() / 1000) + 3600;
const token = (claims: Record<string, unknown>, secret = env.AUTH_SECRET ?? "") =>
  sign({ exp: hour(), ...claims }, secret, "HS256");

async function connect(room: string, bearer: string, query = "name=ignored") {
  return upgrade(`/api/rooms/${room}/ws?${query}`, { Authorization: `Bearer ${bearer}` });
}

async function refusal(response: Response) {
  return { status: response.status, code: ((await response.json()) as { error: { code: string } }).error.code };
}

describe("sign-in with a token (AUTH = jwt)", () => {
  it("admits a valid token under its sub, with the token's name (the name query is ignored)", async () => {
    const room = freshRoom();
    const response = await connect(room, await token({ sub: "user-1", name: "Ada" }), "name=Mallory");
    expect(response.status).toBe(101);
    const ada = new TestClient(response.webSocket as WebSocket);
    expect((await ada.next("welcome")).name).toBe("Ada");
    // Another tab of the same sub is the same person: listed once.
    const tab = new TestClient(
      (await connect(room, await token({ sub: "user-1", name: "Ada" }))).webSocket as WebSocket,
    );
    expect((await tab.next("welcome")).online).toEqual(["Ada"]);
  });

  it("never refuses a token's name as taken: another sub is shown with a suffix that stays theirs", async () => {
    const room = freshRoom();
    const join = async (sub: string, name: string) =>
      new TestClient((await connect(room, await token({ sub, name }))).webSocket as WebSocket);
    const first = await join("user-1", "Alex");
    expect((await first.next("welcome")).name).toBe("Alex");
    const preflight = await request(`/api/rooms/${room}/ws`, {
      headers: { Authorization: `Bearer ${await token({ sub: "user-2", name: "alex" })}` },
    });
    expect(preflight.status).toBe(426);
    const second = await join("user-2", "alex");
    expect((await second.next("welcome")).name).toBe("alex (2)");
    const third = await join("user-3", "ALEX");
    expect((await third.next("welcome")).name).toBe("ALEX (3)");
    // The second posts, leaves and comes back: still "(2)", though the first is gone and "(2)" is not the lowest free.
    second.send({ type: "send", id: "s1", text: "hi" });
    await second.next("ack");
    for (const client of [first, second]) {
      client.close();
      await client.closed();
    }
    await new Promise((r) => setTimeout(r, 50));
    const back = await join("user-2", "alex");
    expect((await back.next("welcome")).name).toBe("alex (2)");
    expect((await (await join("user-1", "Alex")).next("welcome")).name).toBe("Alex");
  });

  it.each([
    ["no token", async () => null],
    ["an expired token", async () => sign({ sub: "u", name: "n", exp: 1000 }, env.AUTH_SECRET ?? "", "HS256")],
    ["a token without exp", async () => sign({ sub: "u", name: "n" }, env.AUTH_SECRET ?? "", "HS256")],
    ["a wrong signature", async () => token({ sub: "u", name: "n" }, "another-secret-that-is-also-32-chars-long")],
    ["a wrong algorithm", async () => sign({ sub: "u", name: "n", exp: hour() }, env.AUTH_SECRET ?? "", "HS512")],
    ["a token without sub", async () => token({ name: "n" })],
  ])("refuses %s with 401 unauthorized before the room is touched", async (_, make) => {
    const bearer = await make();
    const response = await upgrade(
      `/api/rooms/${freshRoom()}/ws?name=x`,
      bearer === null ? {} : { Authorization: `Bearer ${bearer}` },
    );
    expect(await refusal(response)).toEqual({ status: 401, code: "unauthorized" });
  });

  it("refuses a room the token does not list with 403 forbidden_room, and admits one it does", async () => {
    const room = freshRoom();
    const bearer = await token({ sub: "u", name: "n", rooms: ["elsewhere"] });
    expect(await refusal(await connect(room, bearer))).toEqual({ status: 403, code: "forbidden_room" });
    expect((await connect(room, await token({ sub: "u", name: "n", rooms: [room.toUpperCase()] }))).status).toBe(101);
  });

  it("takes the token from the query or the parley_token cookie too", async () => {
    const bearer = await token({ sub: "u", name: "Query" });
    expect((await upgrade(`/api/rooms/${freshRoom()}/ws?token=${bearer}`)).status).toBe(101);
    expect((await upgrade(`/api/rooms/${freshRoom()}/ws`, { Cookie: `parley_token=${bearer}` })).status).toBe(101);
  });

  it("refuses a look-alike name in a token with 400 bad_name", async () => {
    expect(await refusal(await connect(freshRoom(), await token({ sub: "u", name: "Bo\u200bb" })))).toEqual({
      status: 400,
      code: "bad_name",
    });
  });
});

describe("signed-in moderators", () => {
  it("carries role moderator from the token into welcome, and lets them remove others", async () => {
    const room = freshRoom();
    const open = async (claims: Record<string, unknown>) => {
      const client = new TestClient((await connect(room, await token(claims))).webSocket as WebSocket);
      await client.next("welcome");
      return client;
    };
    const mod = await open({ sub: "mod", name: "Mod", role: "moderator" });
    const member = await open({ sub: "m", name: "Member" });
    expect(mod.of("welcome")[0]?.role).toBe("moderator");
    expect(member.of("welcome")[0]?.role).toBe("member");
    mod.send({ type: "moderate", id: "k1", action: "kick", name: "Member" });
    expect(await mod.next("ack", (a) => a.id === "k1")).toMatchObject({ type: "ack" });
    expect((await member.closed()).code).toBe(1008);
  });

  it("ends a moderator's powers when the token they joined with expires", async () => {
    const room = freshRoom();
    const soon = Math.floor(Date.now() / 1000) + 2;
    const mod = new TestClient(
      (
        await connect(
          room,
          await sign({ sub: "mod", name: "Mod", role: "moderator", exp: soon }, env.AUTH_SECRET ?? "", "HS256"),
        )
      ).webSocket as WebSocket,
    );
    await mod.next("welcome");
    const member = new TestClient(
      (await connect(room, await token({ sub: "m", name: "Member" }))).webSocket as WebSocket,
    );
    await member.next("welcome");
    await new Promise((r) => setTimeout(r, 2100));
    mod.send({ type: "moderate", id: "k2", action: "kick", name: "Member" });
    expect(await mod.next("error", (e) => e.id === "k2")).toMatchObject({ code: "forbidden" });
  });
});

describe("deployers' API without ADMIN_TOKEN", () => {
  it("does not exist (404)", async () => {
    const response = await request(`/api/rooms/${freshRoom()}/moderation`, {
      method: "POST",
      headers: { Authorization: "Bearer anything" },
      body: JSON.stringify({ action: "kick", name: "x" }),
    });
    expect(response.status).toBe(404);
  });
});
