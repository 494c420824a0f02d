// One bench client per socket, speaking each server's own protocol. Payloads are opaque
// text ("sender:counter:sentAtMs"); only the framing around them differs.
import { io } from "socket.io-client";
import WebSocket from "ws";
import type { Protocol } from "./messages.ts";

export type ClientHooks = {
  /** A payload another socket sent. */
  onDelivery: (text: string) => void;
  /** Parley's ack for one of this socket's own messages. */
  onAck: () => void;
  /** An error frame or a socket error after the client was ready. */
  onError: (reason: string) => void;
};

export type BenchClient = { send: (text: string, counter: number) => void; close: () => void };

const CONNECT_TIMEOUT_MS = 30_000;
const PING_EVERY_MS = 25_000;

export function openClient(
  protocol: Protocol,
  url: string,
  room: string,
  index: number,
  hooks: ClientHooks,
): Promise<BenchClient> {
  if (protocol === "socketio") return openSocketIo(url, room, hooks);
  const wsUrl = url.replace(/^http/, "ws");
  const path =
    protocol === "parley"
      ? `/api/rooms/${room}/ws?name=u${index}`
      : protocol === "floor"
        ? `/api/rooms/${room}/ws`
        : `/${room}`;
  return openWebSocket(protocol, wsUrl + path, hooks);
}

function openWebSocket(protocol: Protocol, url: string, hooks: ClientHooks): Promise<BenchClient> {
  // No permessage-deflate: the baselines do not negotiate it, so nobody does.
  const ws = new WebSocket(url, { perMessageDeflate: false });
  const client: BenchClient = {
    send:
      protocol === "parley"
        ? (text, counter) => ws.send(`{"type":"send","id":"${counter}","text":"${text}"}`)
        : (text) => ws.send(text),
    close: () => ws.close(1000),
  };
  return new Promise((resolve, reject) => {
    let ready = false;
    const timer = setTimeout(() => fail(new Error("connect timed out")), CONNECT_TIMEOUT_MS);
    const fail = (error: Error) => {
      clearTimeout(timer);
      if (ready) hooks.onError(error.message);
      else {
        ws.terminate();
        reject(error);
      }
    };
    const becomeReady = () => {
      ready = true;
      clearTimeout(timer);
      resolve(client);
    };
    ws.on("error", fail);
    ws.on("unexpected-response", (_request, response) => fail(new Error(`HTTP ${response.statusCode}`)));
    if (protocol !== "parley") {
      ws.on("open", becomeReady);
      ws.on("message", (data) => hooks.onDelivery(data.toString()));
      return;
    }
    // Parley closes sockets silent for a minute; ping like the page does (answered "pong").
    const keepAlive = setInterval(() => {
      if (ws.readyState === WebSocket.OPEN) ws.send("ping");
    }, PING_EVERY_MS);
    ws.on("close", () => clearInterval(keepAlive));
    ws.on("message", (data) => {
      const text = data.toString();
      if (text === "pong") return;
      const frame = JSON.parse(text) as { type: string; frames?: unknown[] };
      if (!ready) {
        if (frame.type === "welcome") becomeReady();
        return;
      }
      for (const item of frame.type === "batch" ? (frame.frames ?? []) : [frame]) handleParleyFrame(item, hooks);
    });
  });
}

function handleParleyFrame(item: unknown, hooks: ClientHooks): void {
  const frame = item as { type?: string; text?: unknown; code?: unknown };
  if (frame.type === "message" && typeof frame.text === "string") hooks.onDelivery(frame.text);
  else if (frame.type === "ack") hooks.onAck();
  else if (frame.type === "error") hooks.onError(String(frame.code));
}

function openSocketIo(url: string, room: string, hooks: ClientHooks): Promise<BenchClient> {
  const socket = io(url, { transports: ["websocket"], query: { room }, forceNew: true, reconnection: false });
  const client: BenchClient = {
    send: (text) => socket.emit("message", text),
    close: () => socket.close(),
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.close();
      reject(new Error("connect timed out"));
    }, CONNECT_TIMEOUT_MS);
    socket.on("message", (text: string) => hooks.onDelivery(text));
    socket.once("connect", () => {
      clearTimeout(timer);
      resolve(client);
    });
    socket.once("connect_error", (error) => {
      clearTimeout(timer);
      socket.close();
      reject(error);
    });
  });
}
