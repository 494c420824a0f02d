import type { Fetch } from "./refusal";

// What the connection needs from where it runs: the browser's WebSocket,
// fetch and online/offline events (browser-runtime.ts), or fakes in plain
// Node tests. Timers and the clock are the global ones (vitest fakes them).

/** A socket as the connection uses it; `readyState` 1 is open, as in the WebSocket API. */
export type Socket = {
  readonly readyState: number;
  send(data: string): void;
  close(code: number, reason: string): void;
};

/** Called for each incoming frame and once when the socket has closed. */
export type SocketHandlers = { message(data: unknown): void; close(code: number): void };

export type Runtime = {
  openSocket(url: URL, handlers: SocketHandlers): Socket;
  /** The preflight GET that asks why a socket was refused. */
  fetch: Fetch;
  /** Whether the device says it has no network (then only `online` brings the socket back). */
  offline(): boolean;
  watchNetwork(online: () => void, offline: () => void): void;
};
