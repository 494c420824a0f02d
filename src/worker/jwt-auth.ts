/**
 * Sign-in by the deployer's own app (`AUTH = "jwt"`): each upgrade carries a
 * JWT. The algorithm comes from the configuration alone (HS256 with
 * AUTH_SECRET, RS256 or ES256 with AUTH_PUBLIC_JWK), never from the token, so
 * a token cannot choose `none` or an HMAC keyed with the public key.
 */
import type { Context } from "hono";
import { getCookie } from "hono/cookie";
import { verify } from "hono/jwt";
import {
  type JWTPayload,
  JwtAlgorithmMismatch,
  JwtHeaderInvalid,
  JwtTokenExpired,
  JwtTokenNotBefore,
  JwtTokenSignatureMismatched,
} from "hono/utils/jwt/types";

export type AuthMode = "device" | "jwt";
export type JwtAuthEnv = { AUTH?: string; AUTH_SECRET?: string; AUTH_PUBLIC_JWK?: string };
export type Role = "moderator" | "member";
export type JwtAuthResult =
  | { ok: true; identity: string; name: string; role: Role; expires: number }
  | { ok: false; status: 401; code: "unauthorized"; message: string }
  | { ok: false; status: 403; code: "forbidden_room"; message: string };

/** Where a token may come from, in the order they are looked at. */
export const TOKEN_QUERY = "token";
export const TOKEN_COOKIE = "parley_token";

/** A deployment's configuration is wrong: every sign-in would fail the same way. */
export class AuthConfigError extends Error {
  override name = "AuthConfigError";
}

/**
 * The deployment's AUTH var. Anything but "device", "jwt" or unset throws:
 * a typo such as "JWT" must not quietly let everyone in.
 */
export function authMode(env: JwtAuthEnv): AuthMode {
  if (env.AUTH === undefined || env.AUTH === "" || env.AUTH === "device") return "device";
  if (env.AUTH === "jwt") return "jwt";
  throw new AuthConfigError(`AUTH must be "device" or "jwt", not ${JSON.stringify(env.AUTH)}`);
}

/**
 * Checks the request's token for `room` (its canonical name). Throws
 * AuthConfigError when the deployment's key is missing or unusable.
 */
export async function authenticateJwt(c: Context, room: string): Promise<JwtAuthResult> {
  // The key first: a broken deployment must not pass for a missing sign-in.
  const { alg, key } = await verifierFor(c.env);
  const token = tokenOf(c);
  if (token === null) {
    return unauthorized(
      `sign-in required: pass your token in the "${TOKEN_QUERY}" query parameter, ` +
        `the "${TOKEN_COOKIE}" cookie or an "Authorization: Bearer" header`,
    );
  }
  let payload: JWTPayload;
  try {
    // iat is not checked: an issuer whose clock runs a second fast would be refused.
    payload = await verify(token, key, { alg, iat: false });
  } catch (error) {
    return unauthorized(whyRefused(error, alg));
  }
  return admit(payload, room);
}

/** The token of an `Authorization: Bearer <token>` header, if any (the scheme in any case). */
export function bearerToken(c: Context): string | undefined {
  return /^Bearer +(\S+)$/i.exec(c.req.header("Authorization") ?? "")?.[1];
}

function tokenOf(c: Context): string | null {
  const bearer = bearerToken(c);
  // An empty value counts as absent, so the next place is looked at.
  return c.req.query(TOKEN_QUERY) || getCookie(c, TOKEN_COOKIE) || bearer || null;
}

function whyRefused(error: unknown, alg: Alg): string {
  if (error instanceof JwtTokenExpired) return "your sign-in has expired; sign in again";
  if (error instanceof JwtTokenSignatureMismatched) {
    return "the token's signature does not match this deployment's key; sign in again";
  }
  if (error instanceof JwtAlgorithmMismatch || error instanceof JwtHeaderInvalid) {
    return `the token must be a JWT signed with ${alg}`;
  }
  if (error instanceof JwtTokenNotBefore) return "the token is not valid yet (nbf is in the future)";
  return "the token is not a well-formed JWT";
}

// With the u flag, a surrogate class matches only unpaired surrogates.
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

/** The claims of a verified token, checked against the room. */
function admit(payload: JWTPayload, room: string): JwtAuthResult {
  // hono's verify checks exp only when present; ours must always expire.
  if (payload.exp === undefined) return unauthorized("the token has no expiry (exp); tokens must expire");
  const { sub, name, rooms, role } = payload;
  if (typeof sub !== "string" || sub === "" || LONE_SURROGATE.test(sub)) {
    return unauthorized("the token has no subject (sub) naming who signed in");
  }
  if (typeof name !== "string") return unauthorized("the token has no display name (name)");
  if (rooms !== undefined && !(Array.isArray(rooms) && rooms.every((r) => typeof r === "string"))) {
    return unauthorized("the token's rooms claim must be a list of room names");
  }
  if (rooms !== undefined && !rooms.some((r) => r.toLowerCase() === room.toLowerCase())) {
    return {
      ok: false,
      status: 403,
      code: "forbidden_room",
      message: `your sign-in does not include the room "${room}"`,
    };
  }
  // The prefix keeps token subjects apart from device ("d:") and socket ("e:") identities.
  const role_ = role === "moderator" ? "moderator" : "member";
  // In milliseconds: a moderator's powers end with the token they joined with.
  return { ok: true, identity: `j:${sub}`, name, role: role_, expires: payload.exp * 1000 };
}

function unauthorized(message: string): JwtAuthResult {
  return { ok: false, status: 401, code: "unauthorized", message };
}

type Alg = "HS256" | "RS256" | "ES256";
type Verifier = { alg: Alg; key: CryptoKey };

const PUBLIC_KEY_PARAMS = {
  RS256: { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" },
  ES256: { name: "ECDSA", namedCurve: "P-256" },
} satisfies Record<Exclude<Alg, "HS256">, SubtleCryptoImportKeyAlgorithm>;

// Imported once per isolate (and again if the configuration changes).
let cached: { source: string; verifier: Promise<Verifier> } | undefined;

function verifierFor(env: JwtAuthEnv): Promise<Verifier> {
  const source = JSON.stringify([env.AUTH_SECRET, env.AUTH_PUBLIC_JWK]);
  if (cached?.source !== source) cached = { source, verifier: importVerifier(env) };
  return cached.verifier;
}

async function importVerifier({ AUTH_SECRET: secret, AUTH_PUBLIC_JWK: jwkText }: JwtAuthEnv): Promise<Verifier> {
  if (secret && jwkText) {
    throw new AuthConfigError("set AUTH_SECRET or AUTH_PUBLIC_JWK, not both: the algorithm must be unambiguous");
  }
  if (secret) {
    // RFC 7518 3.2: an HS256 key must be at least as long as the hash (256 bits).
    if (secret.length < 32) throw new AuthConfigError("AUTH_SECRET must be at least 32 characters long");
    const params = { name: "HMAC", hash: "SHA-256" };
    const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), params, false, ["verify"]);
    return { alg: "HS256", key };
  }
  if (!jwkText) {
    throw new AuthConfigError('AUTH = "jwt" needs the secret AUTH_SECRET (HS256) or AUTH_PUBLIC_JWK (RS256, ES256)');
  }
  const jwk = parseJwk(jwkText);
  const alg = jwk.kty === "RSA" ? "RS256" : jwk.kty === "EC" && jwk.crv === "P-256" ? "ES256" : null;
  if (alg === null) throw new AuthConfigError("AUTH_PUBLIC_JWK must be an RSA key or an EC key on P-256");
  if (jwk.alg !== undefined && jwk.alg !== alg) {
    throw new AuthConfigError(`AUTH_PUBLIC_JWK says alg ${jwk.alg}; only ${alg} is accepted for this key`);
  }
  if (jwk.d !== undefined) throw new AuthConfigError("AUTH_PUBLIC_JWK holds a private key; give only its public part");
  try {
    return { alg, key: await crypto.subtle.importKey("jwk", jwk, PUBLIC_KEY_PARAMS[alg], false, ["verify"]) };
  } catch (error) {
    throw new AuthConfigError(`AUTH_PUBLIC_JWK cannot be imported: ${String(error)}`);
  }
}

function parseJwk(text: string): JsonWebKey {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new AuthConfigError("AUTH_PUBLIC_JWK is not JSON; give one public key as a JWK object");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new AuthConfigError("AUTH_PUBLIC_JWK must be one JWK object (not a JWK set)");
  }
  return value as JsonWebKey;
}
