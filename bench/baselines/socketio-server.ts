// The seed stack: Express + Socket.io, broadcasting each message to the others in its room.
// Usage: node bench/baselines/socketio-server.ts <port>. The room is the `room` query parameter.
import { createServer } from "node:http";
import express from "express";
import { Server } from "socket.io";

const port = Number(process.argv[2] ?? 0);
const app = express();
app.get("/api/health", (_request, response) => {
  response.json({ ok: true });
});
const http = createServer(app);
const io = new Server(http, { transports: ["websocket"], serveClient: false });

io.on("connection", (socket) => {
  const room = String(socket.handshake.query.room ?? "lobby");
  void socket.join(room);
  socket.on("message", (text: unknown) => {
    socket.to(room).emit("message", text);
  });
});

http.listen(port, "127.0.0.1", () => {
  const address = http.address();
  console.log(`ready ${typeof address === "object" && address ? address.port : port}`);
});
