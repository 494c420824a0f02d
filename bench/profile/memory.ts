// Where a server's memory per idle socket goes: each workerd process's RSS, and the V8 heap of
// the isolate behind the dev server's inspector (Parley's), before and with N idle sockets.
// Usage: node bench/profile/memory.ts [--server parley|floor|floorapp] [--sockets 1000]
//   [--deflate] [--parley-config wrangler.toml]
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { startGenerators } from "../load/generator-pool.ts";
import { closeRoom, connectRoom } from "../loads.ts";
import { groupProcesses } from "../proc-stats.ts";
import { startServer } from "../servers.ts";
import { connectInspector, type Inspector } from "./inspector.ts";

const { values } = parseArgs({
  options: {
    server: { type: "string", default: "parley" },
    sockets: { type: "string", default: "1000" },
    deflate: { type: "boolean", default: false },
    "parley-config": { type: "string", default: "wrangler.toml" },
  },
});
const name = values.server;
if (name !== "parley" && name !== "floor" && name !== "floorapp") throw new Error(`--server ${name}: not on workerd`);
const sockets = Number(values.sockets);

const server = await startServer(name, { cpus: "0", parleyConfig: values["parley-config"] });
const pool = startGenerators(1, "1");
const rssMiB = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1]) / 1024;
let inspector: Inspector | undefined;
try {
  const processes = groupProcesses(server.group).filter((p) => p.command[0]?.includes("workerd"));
  // wrangler dev's proxy listens on the dev port; the other workerd runs the worker.
  const role = (command: string[]) => (command.join(" ").includes(new URL(server.url).host) ? "proxy" : "app");
  const wrangler = groupProcesses(server.group).find((p) => p.command.includes("--inspector-port"));
  const inspectorPort = Number(wrangler?.command[wrangler.command.indexOf("--inspector-port") + 1]);
  if (Number.isFinite(inspectorPort)) inspector = await connectInspector(inspectorPort);
  const sample = async () => ({
    rss: new Map(processes.map((p) => [role(p.command), rssMiB(p.pid)])),
    heap: (await inspector?.call<{ usedSize: number }>("Runtime.getHeapUsage"))?.usedSize,
  });
  const before = await sample();
  const connected = await connectRoom(pool, server, sockets, 50, "memory", {
    deflate: values.deflate,
    readyOn: "welcome",
  });
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const withSockets = await sample();
  const perSocket = (a: number | undefined, b: number | undefined) =>
    a === undefined || b === undefined ? "-" : `${(((b - a) * 1024) / connected.opened).toFixed(1)} KiB`;
  console.log(`${name}, ${connected.opened} idle sockets, deflate offered: ${values.deflate}`);
  for (const [which, mib] of withSockets.rss) {
    console.log(
      `  ${which} workerd: ${before.rss.get(which)?.toFixed(0)} -> ${mib.toFixed(0)} MiB, ${perSocket(before.rss.get(which), mib)} per socket`,
    );
  }
  const mib = (bytes: number | undefined) => (bytes === undefined ? undefined : bytes / 2 ** 20);
  console.log(`  V8 heap used: ${perSocket(mib(before.heap), mib(withSockets.heap))} per socket`);
  await closeRoom(pool);
} finally {
  inspector?.close();
  await pool.stop();
  await server.stop();
}
