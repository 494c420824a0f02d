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
    help: { type: "boolean", default: false },
  },
});
if (values.help) {
  console.log("npm run soak -- [--sockets N=1000] [--seconds S=60] [--ping-every S=25]");
  process.exit(0);
}
const sockets = Number(values.sockets);
const seconds = Number(values.seconds);
const pingEveryMs = Number(values["ping-every"]) * 1000;
const room = `soak-${Date.now()}`;

const server = await startDevServer({ vars: { CONNECT_RATE_LIMIT: "off" } });
let exitCode = 1;
try {
  const ws = new URL(`/api/rooms/${room}/ws`, server.url.replace("http", "ws"));
  const clients: WebSocket[] = [];
  const drops: string[] = [];
  let pongs = 0;
  const started = Date.now();
  for (let i = 0; i < sockets; i++) {
    ws.searchParams.set("name", `soak-${i}`);
    const socket = new WebSocket(ws);
    await new Promise<void>((resolve, reject) => {
      socket.addEventListener("message", () => resolve(), { once: true });
      socket.addEventListener("error", () => reject(new Error(`socket ${i} failed to open`)), { once: true });
    });
    socket.addEventListener("message", (e) => {
      if (e.data === "pong") pongs++;
    });
    socket.addEventListener("close", (e) => drops.push(`soak-${i}: ${e.code} ${e.reason}`));
    clients.push(socket);
  }
  console.log(`${sockets} sockets open in ${((Date.now() - started) / 1000).toFixed(1)} s; holding ${seconds} s`);
  // Each socket pings on its own schedule, spread over the interval like real pages.
  const timers = clients.map((socket, i) =>
    setTimeout(
      () => {
        socket.send("ping");
        timers[i] = setInterval(() => socket.send("ping"), pingEveryMs);
      },
      Math.floor((i / sockets) * pingEveryMs),
    ),
  );
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
