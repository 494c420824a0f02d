// A Parley socket that reads like the page: it reports `received` every 5 s while
// frames arrive and at once after each 64K characters, and pings every 25 s.
// `stall()` stops reading the TCP socket (the pings still go out), as a frozen
// tab or a congested link would.
import WebSocket from "ws";
import { LIMITS } from "../../src/shared/protocol/index.ts";

const PING_EVERY_MS = 25_000;
const WELCOME_TIMEOUT_MS = 30_000;

export type ReaderClose = { code: number; reason: string; at: number };

export type Reader = {
  name: string;
  /** Characters received on this socket in all, `pong` excluded: what `received` reports. */
  readonly chars: number;
  readonly close: ReaderClose | null;
  send: (frame: string) => void;
  stall: () => void;
  /**
   * Stops reading, as `stall`, but claims to have read everything and keeps
   * asking for history: catch-up from the start and older pages, at the pace
   * the room's frame limits allow.
   */
  lie: () => void;
  /** Reads again, e.g. to find the close frame queued behind what was buffered. */
  resume: () => void;
  /** Resolves with the close, or null if none came within `timeoutMs`. */
  closed: (timeoutMs: number) => Promise<ReaderClose | null>;
  end: () => void;
};

export type ReaderOptions = {
  url: string;
  name: string;
  /** Offer permessage-deflate, as browsers do. */
  deflate: boolean;
  /** Each server frame after the welcome, parsed, and when it arrived. */
  onFrame: (frame: Record<string, unknown>, at: number) => void;
};

export function openReader({ url, name, deflate, onFrame }: ReaderOptions): Promise<Reader> {
  // ws inflates at most 10 messages at once per process by default; a browser has no such
  // cap across tabs, and with it this one process, not the server, became the bottleneck.
  const perMessageDeflate = deflate ? { concurrencyLimit: Number.POSITIVE_INFINITY } : false;
  const ws = new WebSocket(`${url}?name=${encodeURIComponent(name)}`, { perMessageDeflate });
  let chars = 0;
  let reported = 0;
  let close: ReaderClose | null = null;
  const report = () => {
    if (chars === reported || ws.readyState !== WebSocket.OPEN) return;
    reported = chars;
    ws.send(JSON.stringify({ type: "received", chars }));
  };
  const reportTimer = setInterval(report, LIMITS.receivedReportMs);
  const pingTimer = setInterval(() => {
    if (ws.readyState === WebSocket.OPEN) ws.send("ping");
  }, PING_EVERY_MS);
  let lieTimer: ReturnType<typeof setInterval> | undefined;
  const closeWaiters = new Set<() => void>();
  ws.on("close", (code, reason) => {
    clearInterval(lieTimer);
    clearInterval(reportTimer);
    clearInterval(pingTimer);
    close = { code, reason: reason.toString(), at: performance.now() };
    for (const wake of closeWaiters) wake();
  });
  const reader: Reader = {
    name,
    get chars() {
      return chars;
    },
    get close() {
      return close;
    },
    send: (frame) => {
      if (ws.readyState === WebSocket.OPEN) ws.send(frame);
    },
    stall: () => ws.pause(),
    lie: () => {
      ws.pause();
      clearInterval(reportTimer);
      let asked = 0;
      lieTimer = setInterval(() => {
        if (ws.readyState !== WebSocket.OPEN) return;
        asked++;
        ws.send(JSON.stringify({ type: "catchup", id: `c${asked}`, since: 0 }));
        if (asked % 4 === 0) ws.send(JSON.stringify({ type: "older", id: `o${asked}`, before: 2 ** 40, limit: 100 }));
        if (asked % 20 === 0) ws.send(JSON.stringify({ type: "received", chars: Number.MAX_SAFE_INTEGER }));
      }, 100);
    },
    resume: () => ws.resume(),
    closed: (timeoutMs) =>
      new Promise((resolve) => {
        if (close) return resolve(close);
        const timer = setTimeout(() => {
          closeWaiters.delete(wake);
          resolve(null);
        }, timeoutMs);
        const wake = () => {
          clearTimeout(timer);
          resolve(close);
        };
        closeWaiters.add(wake);
      }),
    end: () => {
      clearInterval(lieTimer);
      clearInterval(reportTimer);
      clearInterval(pingTimer);
      ws.terminate();
    },
  };
  return new Promise((resolve, reject) => {
    let welcomed = false;
    const timer = setTimeout(
      () => fail(new Error(`${name}: no welcome within ${WELCOME_TIMEOUT_MS} ms`)),
      WELCOME_TIMEOUT_MS,
    );
    const fail = (error: Error) => {
      if (welcomed) return;
      clearTimeout(timer);
      reader.end();
      reject(error);
    };
    ws.on("error", (error) => fail(error));
    ws.on("close", (code) => fail(new Error(`${name}: closed ${code} before the welcome`)));
    ws.on("message", (data, isBinary) => {
      if (isBinary) return;
      const text = data.toString();
      if (text === "pong") return;
      chars += text.length;
      if (chars - reported >= LIMITS.receivedReportChars) report();
      const frame = JSON.parse(text) as Record<string, unknown>;
      if (!welcomed) {
        if (frame.type !== "welcome") return fail(new Error(`${name}: got ${text.slice(0, 120)} before the welcome`));
        welcomed = true;
        clearTimeout(timer);
        resolve(reader);
        return;
      }
      onFrame(frame, performance.now());
    });
  });
}
