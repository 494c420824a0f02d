// Bare `ws` broadcast server: the floor for a Node WebSocket server.
// Usage: node bench/baselines/ws-server.ts <port>. Rooms are the URL path.
import { createServer } from "node:http";
import { type WebSocket, WebSocketServer } from "ws";

const port = Number(process.argv[2] ?? 0);
const rooms = new Map<string, Set<WebSocket>>();

const http = createServer((request, response) => {
  response.writeHead(request.url === "/api/health" ? 200 : 404, { "content-type": "application/json" });
  response.end('{"ok":true}');
});
const wss = new WebSocketServer({ server: http });

wss.on("connection", (ws, request) => {
  const room = request.url ?? "/";
  const peers = rooms.get(room) ?? new Set<WebSocket>();
  rooms.set(room, peers);
  peers.add(ws);
  ws.on("message", (data, isBinary) => {
    for (const peer of peers) if (peer !== ws) peer.send(data, { binary: isBinary });
  });
  ws.on("close", () => {
    peers.delete(ws);
    if (peers.size === 0) rooms.delete(room);
  });
});

http.listen(port, "127.0.0.1", () => {
  const address = http.address();
  console.log(`ready ${typeof address === "object" && address ? address.port : port}`);
});
