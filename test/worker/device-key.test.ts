import { exports } from "cloudflare:workers";
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import {
  DEVICE_COOKIE,
  ephemeralIdentity,
  identityOfKey,
  isDeviceKey,
  issueDeviceKey,
  newDeviceKey,
  readDeviceKey,
} from "../../src/worker/device-key";
import { freshIp, freshRoom, TestClient } from "./helpers";

// A page, an API answer and a route that reports the key it read.
const app = new Hono();
app.use("*", issueDeviceKey());
app.get("/", (c) => c.html("<p>landing</p>"));
app.get("/lobby", (c) => c.html("<p>room</p>"));
app.get("/api/health", (c) => c.json({ ok: true }));
app.get("/api/key", (c) => c.json({ key: readDeviceKey(c) }));

function get(url: string, cookie?: string): Promise<Response> {
  return Promise.resolve(app.request(url, cookie === undefined ? {} : { headers: { Cookie: cookie } }));
}

/** The one Set-Cookie header, split into its value and its attributes. */
function setCookieOf(response: Response): { name: string; value: string; attributes: Map<string, string> } {
  const headers = response.headers.getSetCookie();
  expect(headers).toHaveLength(1);
  const [pair = "", ...rest] = (headers[0] ?? "").split("; ");
  const [name = "", value = ""] = pair.split("=");
  const attributes = new Map(rest.map((a) => [a.split("=")[0] ?? "", a.split("=")[1] ?? ""]));
  return { name, value, attributes };
}

async function keyRead(cookie: string, origin = "https://parley.test"): Promise<string | null> {
  return ((await (await get(`${origin}/api/key`, cookie)).json()) as { key: string | null }).key;
}

const VALID = "parley-test-device-key-0123456789";
// Its name on https (every test here but the plain-http ones).
const HTTPS_COOKIE = "__Host-parley_device";

describe("the device cookie", () => {
  it("is set on a page over https as __Host-parley_device: HttpOnly, SameSite=Lax, Path=/, Secure, no Domain, kept 400 days", async () => {
    const response = await get("https://parley.test/lobby");
    expect(response.status).toBe(200);
    const cookie = setCookieOf(response);
    expect(cookie.name).toBe(HTTPS_COOKIE);
    expect(cookie.value).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Object.fromEntries(cookie.attributes)).toEqual({
      "Max-Age": String(400 * 24 * 60 * 60),
      Path: "/",
      HttpOnly: "",
      Secure: "",
      SameSite: "Lax",
    });
    expect(Number(cookie.attributes.get("Max-Age"))).toBeGreaterThanOrEqual(365 * 24 * 60 * 60);
  });

  it("is parley_device over plain http (wrangler dev), not Secure, with the other attributes", async () => {
    const cookie = setCookieOf(await get("http://localhost:8787/"));
    expect(cookie.name).toBe(DEVICE_COOKIE);
    expect(cookie.name).toBe("parley_device");
    expect(cookie.attributes.has("Secure")).toBe(false);
    expect([...cookie.attributes.keys()].sort()).toEqual(["HttpOnly", "Max-Age", "Path", "SameSite"]);
  });

  it("is not set again when the request carries a valid key", async () => {
    const response = await get("https://parley.test/", `other=1; ${HTTPS_COOKIE}=${VALID}`);
    expect(response.status).toBe(200);
    expect(response.headers.getSetCookie()).toEqual([]);
  });

  it("is not set on API answers, which are not pages", async () => {
    const response = await get("https://parley.test/api/health");
    expect(await response.json()).toEqual({ ok: true });
    expect(response.headers.getSetCookie()).toEqual([]);
  });

  it("gives each browser a different key", async () => {
    const keys = new Set<string>();
    for (let i = 0; i < 20; i++) keys.add(setCookieOf(await get("https://parley.test/")).value);
    expect(keys.size).toBe(20);
  });

  it.each([
    ["21 characters (too short)", "a".repeat(21)],
    ["65 characters (too long)", "a".repeat(65)],
    ["a dot", `${"a".repeat(30)}.b`],
    ["standard base64 (+ and /)", `${"a".repeat(30)}+/`],
    ["padding", `${"a".repeat(30)}==`],
    ["a percent-encoded space", `${"a".repeat(30)}%20`],
    ["nothing", ""],
  ])("ignores a key of %s: read as none and replaced on the next page", async (_, bad) => {
    const cookie = `${HTTPS_COOKIE}=${bad}`;
    expect(await keyRead(cookie)).toBeNull();
    const fresh = setCookieOf(await get("https://parley.test/lobby", cookie)).value;
    expect(isDeviceKey(fresh)).toBe(true);
    expect(fresh).not.toBe(bad);
  });

  it.each([
    ["22", "a".repeat(22)],
    ["64", "Z".repeat(64)],
    ["43 (a fresh key)", newDeviceKey()],
    ["-_ mixed", `-_${"A0z9".repeat(6)}`],
  ])("reads a key of %s characters of base64url", async (_, key) => {
    expect(await keyRead(`a=b; ${HTTPS_COOKIE}=${key}; c=d`)).toBe(key);
  });

  it("reads no key from a request without cookies", async () => {
    expect(await keyRead("")).toBeNull();
  });

  it("reads only __Host-parley_device on https: a plain parley_device is ignored and replaced", async () => {
    expect(await keyRead(`${DEVICE_COOKIE}=${VALID}`)).toBeNull();
    const cookie = setCookieOf(await get("https://parley.test/lobby", `${DEVICE_COOKIE}=${VALID}`));
    expect(cookie.name).toBe(HTTPS_COOKIE);
    expect(cookie.value).not.toBe(VALID);
  });

  it("reads only parley_device over plain http", async () => {
    expect(await keyRead(`${DEVICE_COOKIE}=${VALID}`, "http://localhost:8787")).toBe(VALID);
    expect(await keyRead(`${HTTPS_COOKIE}=${VALID}`, "http://localhost:8787")).toBeNull();
    expect((await get("http://localhost:8787/", `${DEVICE_COOKIE}=${VALID}`)).headers.getSetCookie()).toEqual([]);
  });
});

/** A request to the real worker at `origin` (https or plain http), from an address of its own. */
function workerFetch(origin: string, path: string, headers: Record<string, string> = {}): Promise<Response> {
  return exports.default.fetch(
    new Request(`${origin}${path}`, { headers: { "CF-Connecting-IP": freshIp(), ...headers } }),
  );
}

/** Joins `room` as `name` at `origin` with exactly `cookie`, and waits for the welcome. */
async function joinWithCookie(origin: string, room: string, name: string, cookie: string): Promise<TestClient> {
  const response = await workerFetch(origin, `/api/rooms/${room}/ws?name=${name}`, {
    Upgrade: "websocket",
    Cookie: cookie,
  });
  if (!response.webSocket) throw new Error(`expected 101, got ${response.status}: ${await response.text()}`);
  const client = new TestClient(response.webSocket);
  await client.next("welcome");
  return client;
}

describe("the device cookie, through the worker", () => {
  it("is __Host-parley_device on an https page, parley_device on a plain-http one", async () => {
    const https = setCookieOf(await workerFetch("https://parley.test", "/"));
    expect(https.name).toBe(HTTPS_COOKIE);
    expect([...https.attributes.keys()].sort()).toEqual(["HttpOnly", "Max-Age", "Path", "SameSite", "Secure"]);
    expect(https.attributes.get("Path")).toBe("/");
    const http = setCookieOf(await workerFetch("http://parley.test", "/"));
    expect(http.name).toBe(DEVICE_COOKIE);
    expect(http.attributes.has("Secure")).toBe(false);
  });

  it("on https, a planted plain parley_device is nobody's identity", async () => {
    const room = freshRoom();
    const planted = `${DEVICE_COOKIE}=${VALID}`;
    // The first socket with a key would own the room; this one is a socket of its own.
    const first = await joinWithCookie("https://parley.test", room, "alice", planted);
    expect(first.of("welcome")[0]?.role).toBe("member");
    // Another request with the same planted cookie is someone else: alice's name is refused to it.
    const second = await workerFetch("https://parley.test", `/api/rooms/${room}/ws?name=alice`, { Cookie: planted });
    expect(second.status).toBe(409);
    expect(await second.json()).toMatchObject({ error: { code: "name_taken" } });
    // The same key in __Host-parley_device is one person across sockets, and owns the room.
    const other = freshRoom();
    const owner = await joinWithCookie("https://parley.test", other, "bob", `${HTTPS_COOKIE}=${VALID}`);
    expect(owner.of("welcome")[0]?.role).toBe("owner");
    const tab = await joinWithCookie("https://parley.test", other, "bob", `${planted}; ${HTTPS_COOKIE}=${VALID}`);
    expect(tab.of("welcome")[0]?.role).toBe("owner");
  });

  it("over plain http, parley_device is the identity", async () => {
    const room = freshRoom();
    const cookie = `${DEVICE_COOKIE}=${VALID}`;
    const first = await joinWithCookie("http://parley.test", room, "carol", cookie);
    expect(first.of("welcome")[0]?.role).toBe("owner");
    const second = await joinWithCookie("http://parley.test", room, "carol", cookie);
    expect(second.of("welcome")[0]?.role).toBe("owner");
  });
});

describe("identities", () => {
  it("are the SHA-256 of the key, never the key itself", async () => {
    const identity = await identityOfKey(VALID);
    // Known answer: base64url(SHA-256("parley-test-device-key-0123456789")).
    expect(identity).toBe("d:EzBx2B6DadCF0kgeFZs5NPt36ND1XUAir_b7qYJMA-c");
    expect(identity).not.toContain(VALID);
    const fresh = newDeviceKey();
    const freshIdentity = await identityOfKey(fresh);
    expect(freshIdentity).toMatch(/^d:[A-Za-z0-9_-]{43}$/);
    expect(freshIdentity).not.toContain(fresh);
  });

  it("are the same for the same key and differ between keys", async () => {
    const [a, b] = [newDeviceKey(), newDeviceKey()];
    expect(await identityOfKey(a)).toBe(await identityOfKey(a));
    expect(await identityOfKey(a)).not.toBe(await identityOfKey(b));
    // Keys one character apart are still different people.
    expect(await identityOfKey(`${VALID}a`)).not.toBe(await identityOfKey(`${VALID}b`));
  });

  it("are fresh for each keyless socket, and never look like device identities", () => {
    const [a, b] = [ephemeralIdentity(), ephemeralIdentity()];
    expect(a).toMatch(/^e:[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(a).not.toBe(b);
  });
});
