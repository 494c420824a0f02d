import type { ConnectionState } from "../connection";

/** The connection's state on the status line, in a few words. */
export const STATUS_TEXT: Record<ConnectionState, string> = {
  connecting: "Connecting…",
  "catching-up": "Catching up…",
  connected: "Connected",
  reconnecting: "Reconnecting…",
  offline: "Offline",
  full: "Room is full: retrying…",
  busy: "Too many connections from your network: retrying…",
  limited: "Too many attempts: waiting…",
  stopped: "Not connected",
};
