// One bench client per socket, speaking each server's own protocol. Payloads are opaque
// text ("sender:counter:sentAtMs"); only the framing around them differs.
import { io } from "socket.io-client";
import WebSocket from "ws";
import { LIMITS } from "../../src/shared/protocol/limits.ts";
import type { Protocol } from "./messages.ts";

export type ClientHooks = {
  /** A payload another socket sent. */
  onDelivery: (text: string) => void;
  /** One frame (or batch) that carried `messages` deliveries, for messages per frame. */
  onFrame: (messages: number) => void;
  /** Parley's ack for one of this socket's own messages. */
  /** Parley stored one of this socket's own messages (`ack`, by its counter). */
  onAck: (counter: number) => void;
  /** Parley refused one of this socket's own messages (\`rate_limited\`): it is never delivered. */
  onRefused: (counter: number) => void;
  /** Parley only: a message whose seq was not above the last one this socket got (out of seq order). */
  onSeqOrder: () => void;
  /** An error frame or a socket error after the client was ready. */
  onError: (reason: string) => void;
  /** The server closed the socket (or it dropped) after it was ready. */
  onClose: (code: number) => void;
};

export type ClientOptions = {
  /** Offer permessage-deflate, as browsers always do. */
  deflate: boolean;
  /** Ready at the socket's `open`, or once the server's first answer (Parley's welcome) is in. */
  readyOn: "open" | "welcome";
};

export type BenchClient = {
  send: (text: string, counter: number) => void;
  close: () => void;
  /** Whether permessage-deflate was negotiated. */
  deflated: boolean;
};

const CONNECT_TIMEOUT_MS = 30_000;
const PING_EVERY_MS = 25_000;
// Like the page: report what arrived every few seconds, and at once after each 64K characters.
const REPORT_EVERY_MS = LIMITS.receivedReportMs;
const REPORT_EVERY_CHARS = LIMITS.receivedReportChars;

export function openClient(
  protocol: Protocol,
  url: string,
  room: string,
  index: number,
  hooks: ClientHooks,
  options: ClientOptions,
): Promise<BenchClient> {
  if (protocol === "socketio") return openSocketIo(url, room, hooks, options);
  const wsUrl = url.replace(/^http/, "ws");
  const path = {
    parley: `/api/rooms/${room}/ws?name=u${index}`,
    floor: `/api/rooms/${room}/ws`,
    chatdemo: `/api/rooms/${room}/ws`,
    partyserver: `/parties/chat/${room}?_pk=u${index}`,
    ws: `/${room}`,
  }[protocol];
  return openWebSocket(protocol, wsUrl + path, index, hooks, options);
}

type Speaker = {
  send: (ws: WebSocket, text: string, counter: number) => void;
  /** Sent once the socket opens. */
  hello?: string;
  /** Handles one text frame once ready; true when it was the server's first answer. */
  receive: (text: string, hooks: ClientHooks) => boolean;
};

function speaker(protocol: Exclude<Protocol, "socketio">, index: number): Speaker {
  switch (protocol) {
    case "parley": {
      // The highest seq this socket got: every message must come above it (one seq order for everyone).
      const seen = { lastSeq: 0 };
      return {
        send: (ws, text, counter) => ws.send(`{"type":"send","id":"${counter}","text":"${text}"}`),
        receive: (text, hooks) => {
          const frame = JSON.parse(text) as { type: string; frames?: unknown[] };
          let messages = 0;
          for (const item of frame.type === "batch" ? (frame.frames ?? []) : [frame]) {
            if (handleParleyFrame(item, hooks, seen)) messages++;
          }
          if (messages > 0) hooks.onFrame(messages);
          return frame.type === "welcome";
        },
      };
    }
    case "chatdemo":
      return {
        send: (ws, text) => ws.send(JSON.stringify({ message: text })),
        hello: JSON.stringify({ name: `u${index}` }),
        receive: (text, hooks) => {
          const frame = JSON.parse(text) as { name?: string; message?: string; ready?: boolean };
          // Everyone gets their own messages back; those are not deliveries.
          if (typeof frame.message === "string" && frame.name !== `u${index}`) {
            hooks.onDelivery(frame.message);
            hooks.onFrame(1);
          }
          return frame.ready === true;
        },
      };
    case "partyserver":
      return {
        send: (ws, text, counter) =>
          ws.send(
            JSON.stringify({ type: "add", id: `u${index}-${counter}`, user: `u${index}`, role: "user", content: text }),
          ),
        receive: (text, hooks) => {
          const frame = JSON.parse(text) as { type?: string; content?: string };
          if (frame.type === "add" && typeof frame.content === "string") {
            hooks.onDelivery(frame.content);
            hooks.onFrame(1);
          }
          return frame.type === "all";
        },
      };
    case "floor":
    case "ws":
      return {
        send: (ws, text) => ws.send(text),
        receive: (text, hooks) => {
          // The floor shaped like Parley (wrangler.app.toml) greets each socket first.
          if (text.startsWith('{"type":"welcome"')) return true;
          hooks.onDelivery(text);
          hooks.onFrame(1);
          return false;
        },
      };
  }
}

function openWebSocket(
  protocol: Exclude<Protocol, "socketio">,
  url: string,
  index: number,
  hooks: ClientHooks,
  options: ClientOptions,
): Promise<BenchClient> {
  const ws = new WebSocket(url, { perMessageDeflate: options.deflate });
  const speak = speaker(protocol, index);
  const client: BenchClient = {
    send: (text, counter) => speak.send(ws, text, counter),
    close: () => ws.close(1000),
    deflated: false,
  };
  const waitsForAnswer = options.readyOn === "welcome" && protocol !== "floor" && protocol !== "ws";
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
      if (ready) return;
      ready = true;
      clearTimeout(timer);
      resolve(client);
    };
    ws.on("error", fail);
    ws.on("unexpected-response", (_request, response) => fail(new Error(`HTTP ${response.statusCode}`)));
    ws.on("close", (code) => {
      if (ready) hooks.onClose(code);
      else fail(new Error(`closed ${code} before it was ready`));
    });
    ws.on("open", () => {
      client.deflated = ws.extensions.includes("permessage-deflate");
      if (speak.hello) ws.send(speak.hello);
      if (!waitsForAnswer) becomeReady();
    });
    const reports = protocol === "parley" ? reportReceived(ws) : undefined;
    ws.on("message", (data) => {
      const text = data.toString();
      if (text === "pong") return;
      reports?.(text.length);
      const first = speak.receive(text, hooks);
      if (first) becomeReady();
    });
  });
}

/**
 * Parley closes sockets silent for a minute (ping like the page does, answered "pong"), and
 * readers that fall 1 Mi characters behind what they report: report like the page does.
 */
function reportReceived(ws: WebSocket): (chars: number) => void {
  let received = 0;
  let reported = 0;
  const report = () => {
    if (received === reported || ws.readyState !== WebSocket.OPEN) return;
    reported = received;
    ws.send(`{"type":"received","chars":${received}}`);
  };
  const keepAlive = setInterval(() => {
    if (ws.readyState === WebSocket.OPEN) ws.send("ping");
  }, PING_EVERY_MS);
  const reporter = setInterval(report, REPORT_EVERY_MS);
  ws.on("close", () => {
    clearInterval(keepAlive);
    clearInterval(reporter);
  });
  return (chars) => {
    received += chars;
    if (received - reported >= REPORT_EVERY_CHARS) report();
  };
}

/** Handles one of Parley's frames; true when it was a delivery. */
function handleParleyFrame(item: unknown, hooks: ClientHooks, seen: { lastSeq: number }): boolean {
  const frame = item as { type?: string; text?: unknown; code?: unknown; id?: unknown; seq?: unknown };
  if (frame.type === "message" && typeof frame.text === "string") {
    if (typeof frame.seq === "number") {
      if (frame.seq <= seen.lastSeq) hooks.onSeqOrder();
      else seen.lastSeq = frame.seq;
    }
    hooks.onDelivery(frame.text);
    return true;
  }
  if (frame.type === "ack") hooks.onAck(Number(frame.id));
  else if (frame.type === "error" && frame.code === "rate_limited" && typeof frame.id === "string") {
    hooks.onRefused(Number(frame.id));
  } else if (frame.type === "error") hooks.onError(String(frame.code));
  return false;
}

function openSocketIo(url: string, room: string, hooks: ClientHooks, options: ClientOptions): Promise<BenchClient> {
  // Socket.io's server declines permessage-deflate by default; the offer is made all the same.
  const socket = io(url, {
    transports: ["websocket"],
    query: { room },
    forceNew: true,
    reconnection: false,
    // The typings allow only an object; engine.io passes `false` on to ws, which then offers nothing.
    perMessageDeflate: options.deflate ? { threshold: 1024 } : (false as unknown as { threshold: number }),
  });
  const client: BenchClient = {
    send: (text) => socket.emit("message", text),
    close: () => socket.close(),
    deflated: false,
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.close();
      reject(new Error("connect timed out"));
    }, CONNECT_TIMEOUT_MS);
    socket.on("message", (text: string) => {
      hooks.onDelivery(text);
      hooks.onFrame(1);
    });
    socket.on("disconnect", (reason) => {
      if (reason !== "io client disconnect") hooks.onClose(1006);
    });
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
