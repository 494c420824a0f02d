/**
 * Who is connecting, as the worker tells the room: a device (hash of the key
 * in `__Host-parley_device`, or `parley_device` on plain http), a socket of its
 * own (no key), or a signed-in `sub` (`AUTH = "jwt"`), with the display name
 * they will use there.
 */
import type { Context } from "hono";
import { checkDisplayName } from "../shared";
import { identityOfKey, readDeviceKey } from "./device-key";
import type { HttpErrorCode } from "./http-error";
import { authenticateJwt, authMode, type Role } from "./jwt-auth";
import { strictQueryParam } from "./strict-query";

export type Identity = {
  /** `d:<hash>`, `j:<sub>`, or "" for a socket without a key (the room gives it one of its own). */
  identity: string;
  name: string;
  /** What two names collide on (UTS #39 skeleton). */
  skeleton: string;
  role: Role;
  /** When a signed-in role ends (the token's exp, in ms). */
  roleUntil?: number;
};

export type Refusal = { status: 400 | 401 | 403; code: HttpErrorCode; message: string };

/** The person behind a socket request for `room`, or why they may not have one. */
export async function identify(
  c: Context,
  room: string,
): Promise<{ ok: true; value: Identity } | ({ ok: false } & Refusal)> {
  if (authMode(c.env) === "jwt") {
    const signedIn = await authenticateJwt(c, room);
    if (!signedIn.ok) return signedIn;
    // The token's name follows the same rules, and the `name` query is ignored.
    const name = checkDisplayName(signedIn.name);
    if (!name.ok) return badName(`the name in your sign-in is refused: ${name.message}`);
    return {
      ok: true,
      value: {
        identity: signedIn.identity,
        name: name.name,
        skeleton: name.skeleton,
        role: signedIn.role,
        roleUntil: signedIn.expires,
      },
    };
  }
  const raw = strictQueryParam(c.req.url, "name");
  if (!raw.ok) return badName("name is not valid UTF-8 once decoded");
  if (raw.value === undefined) return badName("name is required");
  const name = checkDisplayName(raw.value);
  if (!name.ok) return badName(name.message);
  const key = readDeviceKey(c);
  const identity = key === null ? "" : await identityOfKey(key);
  return { ok: true, value: { identity, name: name.name, skeleton: name.skeleton, role: "member" } };
}

function badName(message: string): { ok: false } & Refusal {
  return { ok: false, status: 400, code: "bad_name", message };
}
