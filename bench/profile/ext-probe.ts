// Which WebSocket extensions a client offering permessage-deflate gets: through wrangler dev's
// proxy and straight to each workerd port that answers /api/health.
// Usage: node bench/profile/ext-probe.ts [--server parley|floor|chatdemo|partyserver]
import { parseArgs } from "node:util";
import WebSocket from "ws";
import { groupProcesses } from "../proc-stats.ts";
import { type ServerName, startServer } from "../servers.ts";
import { listeningPorts } from "./listening-ports.ts";

const { values } = parseArgs({ options: { server: { type: "string", default: "parley" } } });
const server = await startServer(values.server as ServerName, { cpus: undefined, parleyConfig: "wrangler.toml" });

function probe(url: string, name: string): Promise<string> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`${url.replace(/^http/, "ws")}/api/rooms/ext-probe/ws?name=${name}`, {
      perMessageDeflate: true,
    });
    let answered = "(no header)";
    ws.on("upgrade", (response) => {
      answered = JSON.stringify(response.headers["sec-websocket-extensions"] ?? "(no header)");
    });
    ws.on("open", () => {
      resolve(`101 said ${answered}; negotiated: ${ws.extensions || "nothing"}`);
      ws.close();
    });
    ws.on("error", (error) => resolve(`error: ${error.message}`));
  });
}

try {
  console.log(`via wrangler dev's proxy ${server.url}: ${await probe(server.url, "p0")}`);
  let n = 1;
  for (const p of groupProcesses(server.group).filter((p) => p.command[0]?.includes("workerd"))) {
    for (const port of listeningPorts(p.pid)) {
      const url = `http://127.0.0.1:${port}`;
      if (url === server.url) continue;
      const ok = await fetch(`${url}/api/health`, { signal: AbortSignal.timeout(2000) }).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) console.log(`straight to workerd ${p.pid} ${url}: ${await probe(url, `p${n++}`)}`);
    }
  }
} finally {
  await server.stop();
}
