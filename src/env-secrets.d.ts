// Secrets are set with `wrangler secret put` (or .dev.vars), never in
// wrangler.toml, so `wrangler types` cannot see them. Only AUTH = "jwt" uses them.
interface AuthSecrets {
  /** HS256 shared secret, at least 32 characters. */
  AUTH_SECRET?: string;
  /** RS256 or ES256 (P-256) public key as a JWK in JSON. */
  AUTH_PUBLIC_JWK?: string;
  /** Bearer token for `POST /api/rooms/<room>/moderation`; unset turns that route off (404). */
  ADMIN_TOKEN?: string;
}
interface Env extends AuthSecrets {}
declare namespace Cloudflare {
  interface Env extends AuthSecrets {}
}
