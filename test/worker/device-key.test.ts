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
} from "../../src/device-key";

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

async function keyRead(cookie: string): Promise<string | null> {
  return ((await (await get("https://parley.test/api/key", cookie)).json()) as { key: string | null }).key;
}

const VALID = "parley-test-device-key-0123456789";

describe("the device cookie", () => {
  it("is set on a page over https: HttpOnly, SameSite=Lax, Path=/, Secure, kept 400 days", async () => {
    const response = await get("https://parley.test/lobby");
    expect(response.status).toBe(200);
    const cookie = setCookieOf(response);
    expect(cookie.name).toBe(DEVICE_COOKIE);
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

  it("is not Secure over plain http (wrangler dev), but keeps the other attributes", async () => {
    const cookie = setCookieOf(await get("http://localhost:8787/"));
    expect(cookie.attributes.has("Secure")).toBe(false);
    expect([...cookie.attributes.keys()].sort()).toEqual(["HttpOnly", "Max-Age", "Path", "SameSite"]);
  });

  it("is not set again when the request carries a valid key", async () => {
    const response = await get("https://parley.test/", `other=1; ${DEVICE_COOKIE}=${VALID}`);
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
    const cookie = `${DEVICE_COOKIE}=${bad}`;
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
    expect(await keyRead(`a=b; ${DEVICE_COOKIE}=${key}; c=d`)).toBe(key);
  });

  it("reads no key from a request without cookies", async () => {
    expect(await keyRead("")).toBeNull();
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
