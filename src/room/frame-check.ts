import {
  CLOSE_CODES,
  type ClientMessage,
  type ErrorFrame,
  exceedsFrameLimit,
  LIMITS,
  type ParseResult,
  parseClientMessage,
} from "../shared";
import type { Traffic } from "./traffic";

/** Close codes the runtime reports but a socket may not send: a close is answered with 1000 instead. */
export const RESERVED_CLOSE_CODES: ReadonlySet<number> = new Set([1005, 1006, 1015]);

const TOO_MANY_FRAMES = `too many frames: at most ${LIMITS.rateBurst} at once and ${LIMITS.ratePerSecond} per second`;

/** A frame to handle; or why not: the socket is closed, or told (`reply`), or the frame is dropped (neither). */
export type FrameCheck =
  | { ok: true; frame: ClientMessage }
  | { ok: false; close?: { code: number; reason: string }; reply?: ErrorFrame };

/**
 * What whoever holds a socket (the room object or a shard) checks of each
 * frame before anything else: its size, its shape, and the socket's frame
 * budget, which every frame counts against, bad ones too.
 */
export function checkFrame(ws: WebSocket, data: string | ArrayBuffer, traffic: Traffic, now: number): FrameCheck {
  const tooBig = typeof data === "string" ? exceedsFrameLimit(data) : data.byteLength > LIMITS.frameBytesMax;
  if (tooBig)
    return {
      ok: false,
      close: { code: CLOSE_CODES.tooBig, reason: `frame larger than ${LIMITS.frameBytesMax} bytes` },
    };
  const parsed: ParseResult<ClientMessage> =
    typeof data === "string"
      ? parseClientMessage(data)
      : { ok: false, code: "bad_message", message: "binary frames are not supported; send JSON text" };
  const id = parsed.ok ? ("id" in parsed.value ? parsed.value.id : undefined) : parsed.id;
  const housekeeping = parsed.ok && (parsed.value.type === "received" || parsed.value.type === "catchup");
  const verdict = traffic.frame(ws, housekeeping, now);
  if (!verdict.ok) {
    if ("flooding" in verdict) return { ok: false, close: { code: CLOSE_CODES.policyViolation, reason: "flooding" } };
    // A dropped report only delays the next one.
    if (housekeeping && id === undefined) return { ok: false };
    return { ok: false, reply: errorFrame("rate_limited", TOO_MANY_FRAMES, id, verdict.retryAfterMs) };
  }
  if (!parsed.ok) return { ok: false, reply: errorFrame(parsed.code, parsed.message, id) };
  return { ok: true, frame: parsed.value };
}

/** An `error` frame, with the request's id and when to try again where there are. */
export function errorFrame(code: ErrorFrame["code"], message: string, id?: string, retryAfterMs?: number): ErrorFrame {
  const frame: ErrorFrame = { type: "error", code, message };
  if (id !== undefined) frame.id = id;
  if (retryAfterMs !== undefined) frame.retryAfterMs = retryAfterMs;
  return frame;
}
