import type { Runtime } from "./runtime";

// The connection's runtime in a browser: the only file in connection/ that
// touches browser globals.

export const browserRuntime: Runtime = {
  openSocket(url, handlers) {
    const socket = new WebSocket(url);
    socket.addEventListener("message", (event) => handlers.message(event.data));
    socket.addEventListener("close", (event) => handlers.close(event.code));
    return socket;
  },
  // Called as a plain function: `fetch` on another object throws "Illegal invocation".
  fetch: (url, init) => fetch(url, init),
  offline: () => typeof navigator !== "undefined" && navigator.onLine === false,
  watchNetwork(online, offline) {
    addEventListener("online", online);
    addEventListener("offline", offline);
  },
};
