import { Hono } from "hono";
import { sign } from "hono/jwt";
import type { JWTPayload } from "hono/utils/jwt/types";
import { beforeAll, describe, expect, it } from "vitest";
import {
  AuthConfigError,
  authenticateJwt,
  authMode,
  type JwtAuthEnv,
  type JwtAuthResult,
} from "../../src/worker/jwt-auth";

const SECRET = "a-test-secret-that-is-long-enough-for-hs256";
const HS256_ENV: JwtAuthEnv = { AUTH: "jwt", AUTH_SECRET: SECRET };

// The route as the worker will mount it; a configuration error is answered as such.
const app = new Hono<{ Bindings: JwtAuthEnv }>();
app.get("/api/rooms/:room/ws", async (c) => c.json(await authenticateJwt(c, c.req.param("room"))));
app.onError((error, c) =>
  c.json({ thrown: error instanceof AuthConfigError ? error.message : `unexpected: ${String(error)}` }, 500),
);

type Where = "query" | "cookie" | "bearer";

async function check(
  env: JwtAuthEnv,
  token: string | null,
  { where = "bearer" as Where, room = "lobby", extra = {} as Record<string, string> } = {},
): Promise<JwtAuthResult> {
  const url = new URL(`https://parley.test/api/rooms/${room}/ws`);
  const headers: Record<string, string> = { ...extra };
  if (token !== null && where === "query") url.searchParams.set("token", token);
  if (token !== null && where === "cookie") headers.Cookie = `parley_token=${token}`;
  if (token !== null && where === "bearer") headers.Authorization = `Bearer ${token}`;
  const response = await app.request(url.toString(), { headers }, env);
  expect(response.status).toBe(200);
  return response.json();
}

async function configError(env: JwtAuthEnv, token: string): Promise<string> {
  const response = await app.request(
    "https://parley.test/api/rooms/lobby/ws",
    { headers: { Authorization: `Bearer ${token}` } },
    env,
  );
  expect(response.status).toBe(500);
  return ((await response.json()) as { thrown: string }).thrown;
}

const now = () => Math.floor(Date.now() / 1000);
const claims = (more: JWTPayload = {}): JWTPayload => ({ sub: "user-42", name: "Alice", exp: now() + 600, ...more });
const hs256 = (more?: JWTPayload, secret = SECRET) => sign(claims(more), secret, "HS256");

function expectRefused(result: JwtAuthResult, status: 401 | 403, message: RegExp): void {
  expect(result).toMatchObject({ ok: false, status, code: status === 401 ? "unauthorized" : "forbidden_room" });
  if (!result.ok) expect(result.message).toMatch(message);
}

const b64url = (value: unknown) =>
  btoa(JSON.stringify(value)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");

describe("JWT sign-in with HS256 (AUTH_SECRET)", () => {
  it("admits a valid token: identity j:<sub>, its name, a member", async () => {
    expect(await check(HS256_ENV, await hs256())).toMatchObject({
      ok: true,
      identity: "j:user-42",
      name: "Alice",
      role: "member",
    });
  });

  it.each(["query", "cookie", "bearer"] as const)("reads the token from the %s", async (where) => {
    expect(await check(HS256_ENV, await hs256(), { where })).toMatchObject({ ok: true, identity: "j:user-42" });
  });

  it("looks at the query first, then the cookie, then the Authorization header", async () => {
    const good = await hs256();
    const bad = await hs256({}, "some-other-secret-that-is-also-long-enough");
    const cookie = (t: string) => `parley_token=${t}`;
    const bearer = (t: string) => `Bearer ${t}`;
    expect(
      await check(HS256_ENV, good, { where: "query", extra: { Cookie: cookie(bad), Authorization: bearer(bad) } }),
    ).toMatchObject({ ok: true });
    expect(await check(HS256_ENV, bad, { where: "query", extra: { Cookie: cookie(good) } })).toMatchObject({
      ok: false,
    });
    expect(await check(HS256_ENV, good, { where: "cookie", extra: { Authorization: bearer(bad) } })).toMatchObject({
      ok: true,
    });
    expect(await check(HS256_ENV, bad, { where: "cookie", extra: { Authorization: bearer(good) } })).toMatchObject({
      ok: false,
    });
  });

  it("refuses a request without a token with 401, saying where to put one", async () => {
    expectRefused(await check(HS256_ENV, null), 401, /sign-in required.*token.*parley_token.*Bearer/);
    expectRefused(await check(HS256_ENV, null, { extra: { Authorization: "Basic dXNlcjpwYXNz" } }), 401, /required/);
  });

  it("refuses an expired token: sign in again", async () => {
    expectRefused(await check(HS256_ENV, await hs256({ exp: now() - 5 })), 401, /expired; sign in again/);
  });

  it("refuses a token without exp, even when correctly signed", async () => {
    const token = await sign({ sub: "user-42", name: "Alice" }, SECRET, "HS256");
    expectRefused(await check(HS256_ENV, token), 401, /no expiry \(exp\)/);
  });

  it("refuses a token not valid yet (nbf in the future)", async () => {
    expectRefused(await check(HS256_ENV, await hs256({ nbf: now() + 600 })), 401, /not valid yet/);
  });

  it("refuses a token signed with another secret", async () => {
    const token = await hs256({}, "not-the-deployment-secret-but-long-enough");
    expectRefused(await check(HS256_ENV, token), 401, /signature does not match/);
  });

  it("refuses a token whose payload was changed after signing", async () => {
    const [header, , signature] = (await hs256()).split(".");
    const forged = `${header}.${b64url(claims({ sub: "admin", role: "moderator" }))}.${signature}`;
    expectRefused(await check(HS256_ENV, forged), 401, /signature does not match/);
  });

  it('refuses an unsigned token (alg "none")', async () => {
    const token = `${b64url({ alg: "none", typ: "JWT" })}.${b64url(claims({ role: "moderator" }))}.`;
    expectRefused(await check(HS256_ENV, token), 401, /signed with HS256/);
  });

  it("refuses a token signed with another HMAC (HS512) under the same secret", async () => {
    const token = await sign(claims(), SECRET, "HS512");
    expectRefused(await check(HS256_ENV, token), 401, /signed with HS256/);
  });

  it.each([
    ["garbage", "not-a-token"],
    ["two parts", "abc.def"],
    ["a payload that is not JSON", `${b64url({ alg: "HS256", typ: "JWT" })}.bm90IGpzb24.sig`],
  ])("refuses %s with 401", async (_, token) => {
    expectRefused(await check(HS256_ENV, token), 401, /not a well-formed JWT/);
  });

  it.each([
    ["no sub", { sub: undefined }, /subject \(sub\)/],
    ["an empty sub", { sub: "" }, /subject \(sub\)/],
    ["a numeric sub", { sub: 42 }, /subject \(sub\)/],
    ["a sub with a lone surrogate", { sub: "user-\uD800" }, /subject \(sub\)/],
    ["no name", { name: undefined }, /display name/],
    ["rooms that are not a list", { rooms: "lobby" }, /rooms claim must be a list/],
    ["rooms holding a non-string", { rooms: ["lobby", 7] }, /rooms claim must be a list/],
  ])("refuses a token with %s with 401", async (_, more, message) => {
    expectRefused(await check(HS256_ENV, await hs256(more as JWTPayload)), 401, message);
  });

  it("refuses a room not in the token's rooms with 403 forbidden_room", async () => {
    const token = await hs256({ rooms: ["general", "random"] });
    expectRefused(await check(HS256_ENV, token, { room: "lobby" }), 403, /does not include the room "lobby"/);
    expectRefused(await check(HS256_ENV, await hs256({ rooms: [] })), 403, /lobby/);
  });

  it("admits a room the token's rooms list, compared in lower case", async () => {
    const token = await hs256({ rooms: ["General", "Lobby"] });
    expect(await check(HS256_ENV, token, { room: "lobby" })).toMatchObject({ ok: true });
    expect(await check(HS256_ENV, token, { room: "general" })).toMatchObject({ ok: true });
  });

  it.each([
    ["moderator", "moderator"],
    ["admin", "member"],
    [undefined, "member"],
    [true, "member"],
  ])("carries role %s through as %s", async (role, expected) => {
    expect(await check(HS256_ENV, await hs256({ role }))).toMatchObject({ ok: true, role: expected });
  });

  it("passes the name through untouched (another module judges names)", async () => {
    expect(await check(HS256_ENV, await hs256({ name: "  Ａlice\u200b " }))).toMatchObject({ name: "  Ａlice\u200b " });
  });
});

describe("JWT sign-in with a public JWK (AUTH_PUBLIC_JWK)", () => {
  let rsa: CryptoKeyPair;
  let ec: CryptoKeyPair;
  let rsaEnv: JwtAuthEnv;
  let ecEnv: JwtAuthEnv;
  let rsaJwk: JsonWebKey;

  beforeAll(async () => {
    const rsaParams = { name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]) };
    rsa = (await crypto.subtle.generateKey({ ...rsaParams, hash: "SHA-256" }, true, [
      "sign",
      "verify",
    ])) as CryptoKeyPair;
    ec = (await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, [
      "sign",
      "verify",
    ])) as CryptoKeyPair;
    rsaJwk = (await crypto.subtle.exportKey("jwk", rsa.publicKey)) as JsonWebKey;
    rsaEnv = { AUTH: "jwt", AUTH_PUBLIC_JWK: JSON.stringify(rsaJwk) };
    ecEnv = { AUTH: "jwt", AUTH_PUBLIC_JWK: JSON.stringify(await crypto.subtle.exportKey("jwk", ec.publicKey)) };
  });

  it("admits an RS256 token signed with the private key", async () => {
    const token = await sign(claims({ role: "moderator" }), rsa.privateKey, "RS256");
    expect(await check(rsaEnv, token)).toMatchObject({
      ok: true,
      identity: "j:user-42",
      name: "Alice",
      role: "moderator",
    });
  });

  it("admits an ES256 token signed with the private key", async () => {
    const token = await sign(claims(), ec.privateKey, "ES256");
    expect(await check(ecEnv, token, { where: "query" })).toMatchObject({ ok: true, identity: "j:user-42" });
  });

  it("refuses a token signed by another key pair", async () => {
    const other = (await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, [
      "sign",
    ])) as CryptoKeyPair;
    expectRefused(await check(ecEnv, await sign(claims(), other.privateKey, "ES256")), 401, /signature does not match/);
  });

  it("refuses an HS256 token keyed with the public key (algorithm confusion)", async () => {
    const token = await sign(claims({ role: "moderator" }), JSON.stringify(rsaJwk), "HS256");
    expectRefused(await check(rsaEnv, token), 401, /signed with RS256/);
    expectRefused(await check(ecEnv, await hs256()), 401, /signed with ES256/);
  });

  it("refuses an RS256 token when the deployment is configured for HS256", async () => {
    expectRefused(await check(HS256_ENV, await sign(claims(), rsa.privateKey, "RS256")), 401, /signed with HS256/);
  });

  it("refuses an ES256 token on an RS256 deployment, and an unsigned one", async () => {
    expectRefused(await check(rsaEnv, await sign(claims(), ec.privateKey, "ES256")), 401, /signed with RS256/);
    const unsigned = `${b64url({ alg: "none" })}.${b64url(claims())}.`;
    expectRefused(await check(rsaEnv, unsigned), 401, /signed with RS256/);
  });

  it("refuses an expired RS256 token", async () => {
    const token = await sign(claims({ exp: now() - 1 }), rsa.privateKey, "RS256");
    expectRefused(await check(rsaEnv, token), 401, /sign in again/);
  });
});

describe("the deployment's configuration", () => {
  it("reads AUTH: device by default, jwt when asked, and refuses anything else", () => {
    expect(authMode({})).toBe("device");
    expect(authMode({ AUTH: "" })).toBe("device");
    expect(authMode({ AUTH: "device" })).toBe("device");
    expect(authMode({ AUTH: "jwt" })).toBe("jwt");
    expect(() => authMode({ AUTH: "JWT" })).toThrow(AuthConfigError);
  });

  it("throws AuthConfigError without a key even for a request without a token", async () => {
    const response = await app.request("https://parley.test/api/rooms/lobby/ws", {}, { AUTH: "jwt" });
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ thrown: expect.stringMatching(/needs the secret AUTH_SECRET/) });
  });

  it.each([
    ["no key at all", { AUTH: "jwt" }, /needs the secret AUTH_SECRET .* or AUTH_PUBLIC_JWK/],
    ["both keys", { ...HS256_ENV, AUTH_PUBLIC_JWK: "{}" }, /not both/],
    ["a short secret", { AUTH: "jwt", AUTH_SECRET: "short" }, /at least 32 characters/],
    ["a JWK that is not JSON", { AUTH: "jwt", AUTH_PUBLIC_JWK: "-----BEGIN PUBLIC KEY-----" }, /not JSON/],
    ["a JWK set", { AUTH: "jwt", AUTH_PUBLIC_JWK: '{"keys":[]}' }, /RSA key or an EC key/],
    ["a P-384 key", { AUTH: "jwt", AUTH_PUBLIC_JWK: '{"kty":"EC","crv":"P-384","x":"a","y":"b"}' }, /P-256/],
    ["an oct key", { AUTH: "jwt", AUTH_PUBLIC_JWK: '{"kty":"oct","k":"c2VjcmV0"}' }, /RSA key or an EC key/],
  ])("throws AuthConfigError for %s", async (_, env, message) => {
    expect(await configError(env as JwtAuthEnv, await hs256())).toMatch(message);
  });

  it("throws AuthConfigError for a private JWK or one whose alg disagrees with its type", async () => {
    const pair = (await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, [
      "sign",
    ])) as CryptoKeyPair;
    const priv = (await crypto.subtle.exportKey("jwk", pair.privateKey)) as JsonWebKey;
    const pub = (await crypto.subtle.exportKey("jwk", pair.publicKey)) as JsonWebKey;
    const token = await sign(claims(), pair.privateKey, "ES256");
    expect(await configError({ AUTH: "jwt", AUTH_PUBLIC_JWK: JSON.stringify(priv) }, token)).toMatch(/private key/);
    const mislabelled = JSON.stringify({ ...pub, alg: "RS256" });
    expect(await configError({ AUTH: "jwt", AUTH_PUBLIC_JWK: mislabelled }, token)).toMatch(/only ES256/);
  });
});
