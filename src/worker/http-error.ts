import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";

export type HttpErrorCode =
  | "bad_room"
  | "bad_name"
  | "bad_since"
  | "upgrade_required"
  | "forbidden_origin"
  | "unauthorized"
  | "forbidden_room"
  | "too_many_requests"
  | "room_full"
  | "too_many_connections"
  | "name_taken"
  | "banned"
  | "locked"
  | "not_found"
  | "forbidden"
  | "bad_request"
  | "internal";

export type HttpErrorBody = { error: { code: HttpErrorCode; message: string } };

/** The JSON error every API failure answers with. */
export function jsonError(c: Context, status: ContentfulStatusCode, code: HttpErrorCode, message: string): Response {
  return c.json({ error: { code, message } } satisfies HttpErrorBody, status);
}
