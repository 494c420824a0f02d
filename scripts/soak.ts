// npm run soak -- [--sockets 1000] [--seconds 60]
// Holds many sockets in one room under wrangler dev for a while, pinging like
// the page does, and checks that none dropped and the room counts them all.
import { parseArgs } from "node:util";
import { startDevServer } from "../test/support/dev-server.ts";

const { values } = parseArgs({
  options: {
    sockets: { type: "string", default: "1000" },
    seconds: { type: "string", default: "60" },
    "ping-every": { type: "string", default: "25" },
    concurrency: { type: "string", default: "50" },
    help: { type: "boolean", default: false },
  },
});
if (values.help) {
  console.log("npm run soak -- [--sockets N=1000] [--seconds S=60] [--ping-every S=25] [--concurrency N=50]");
  process.exit(0);
}
const sockets = Number(values.sockets);
const seconds = Number(values.seconds);
const pingEveryMs = Number(values["ping-every"]) * 1000;
const concurrency = Number(values.concurrency);
const room = `soak-${Date.now()}`;

// Every socket comes from 127.0.0.1: lift the per-IP limits, which would otherwise refuse most of them.
const server = await startDevServer({
  vars: { CONNECT_RATE_LIMIT: "off", ROOM_SOCKET_LIMIT: "20000", ROOM_SOCKETS_PER_ADDRESS: "10000" },
});
let exitCode = 1;
try {
  const ws = new URL(`/api/rooms/${room}/ws`, server.url.replace("http", "ws"));
  const clients: WebSocket[] = [];
  const timers: ReturnType<typeof setInterval>[] = [];
  const drops: string[] = [];
  let pongs = 0;
  const open = async (i: number) => {
    const url = new URL(ws);
    url.searchParams.set("name", `soak-${i}`);
    const socket = new WebSocket(url);
    await new Promise<void>((resolve, reject) => {
      socket.addEventListener("message", () => resolve(), { once: true });
      socket.addEventListener("error", () => reject(new Error(`socket ${i} failed to open`)), { once: true });
    });
    socket.addEventListener("message", (e) => {
      if (e.data === "pong") pongs++;
    });
    socket.addEventListener("close", (e) => drops.push(`soak-${i}: ${e.code} ${e.reason}`));
    // Like the page: a ping every interval from the moment it is in, at its own phase.
    const first = setTimeout(() => {
      socket.send("ping");
      timers.push(setInterval(() => socket.send("ping"), pingEveryMs));
    }, Math.random() * pingEveryMs);
    timers.push(first);
    clients.push(socket);
  };
  const started = Date.now();
  // Several joins in flight at once, as when a crowd arrives.
  let next = 0;
  const opener = async () => {
    for (let i = next++; i < sockets; i = next++) await open(i);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, sockets) }, opener));
  console.log(`${sockets} sockets open in ${((Date.now() - started) / 1000).toFixed(1)} s; holding ${seconds} s`);
  await new Promise((r) => setTimeout(r, seconds * 1000));
  for (const t of timers) clearInterval(t);
  const info = (await (await fetch(`${server.url}/api/rooms/${room}`)).json()) as { onlineCount: number };
  console.log(`pongs: ${pongs}, drops: ${drops.length}, room counts ${info.onlineCount} online`);
  for (const d of drops.slice(0, 10)) console.log(`  dropped ${d}`);
  exitCode = drops.length === 0 && info.onlineCount === sockets ? 0 : 1;
  console.log(exitCode === 0 ? "soak passed" : "soak FAILED");
  for (const socket of clients) socket.close(1000);
} finally {
  await server.stop();
}
process.exit(exitCode);
