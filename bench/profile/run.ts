// Where Parley's time goes: a V8 CPU profile of workerd under load (through the dev server's
// inspector), and the same load sent straight to workerd, past wrangler dev's proxy.
// Usage: node bench/profile/run.ts [--sockets 100] [--duration 8] [--parley-config wrangler.toml]
//   [--persist-to DIR] [--out FILE] [--deflate] [--join N]
// --join N profiles N sockets joining one after another instead (and each process's CPU).
import { readFileSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { startGenerators } from "../load/generator-pool.ts";
import { runJoin, runStep, type StepResult } from "../loads.ts";
import { groupProcesses } from "../proc-stats.ts";
import { startServer } from "../servers.ts";
import { connectInspector } from "./inspector.ts";
import { listeningPorts } from "./listening-ports.ts";
import { type CpuProfile, summarize } from "./summarize.ts";

const { values } = parseArgs({
  options: {
    sockets: { type: "string", default: "100" },
    duration: { type: "string", default: "8" },
    rate: { type: "string", default: "2" },
    "interval-us": { type: "string", default: "100" },
    "parley-config": { type: "string", default: "wrangler.toml" },
    out: { type: "string", default: "parley.cpuprofile" },
    "persist-to": { type: "string" },
    deflate: { type: "boolean", default: false },
    join: { type: "string" },
  },
});
const sockets = Number(values.sockets);
const durationMs = Number(values.duration) * 1000;
const rate = Number(values.rate);

// Inclusive costs by function name as V8 reports them (runtime APIs keep their JS names).
const COSTS: Record<string, (fn: string) => boolean> = {
  "webSocketMessage (all handling)": (fn) => fn === "webSocketMessage",
  "JSON.parse": (fn) => fn === "parse",
  "JSON.stringify": (fn) => fn === "stringify",
  "SQL (exec, toArray, one)": (fn) => fn === "exec" || fn === "toArray" || fn === "one" || fn === "raw",
  "WebSocket.send": (fn) => fn === "send",
  attachments: (fn) => fn === "serializeAttachment" || fn === "deserializeAttachment",
  "validation (parseClientMessage)": (fn) => fn === "parseClientMessage",
  "garbage collector": (fn) => fn === "(garbage collector)",
  idle: (fn) => fn === "(idle)",
  "program (native, outside JS)": (fn) => fn === "(program)",
};

const persistTo = values["persist-to"];
const server = await startServer("parley", {
  cpus: "0",
  parleyConfig: values["parley-config"],
  ...(persistTo ? { persistTo } : {}),
});
const pool = startGenerators(1, "1");
const step = (url: string, duration: number) =>
  runStep({ ...server, url }, pool, {
    sockets,
    rate,
    durationMs: duration,
    warmupMs: 1000,
    drainMs: 5000,
    concurrency: 50,
    deflate: values.deflate,
  });
const line = (label: string, s: StepResult) =>
  console.log(
    `${label}: ${Math.round(s.deliveredPerSec)}/${Math.round(s.offeredPerSec)} msg/s, p50 ${s.p50.toFixed(1)} p99 ${s.p99.toFixed(1)} ms, lost ${s.lost}, server CPU ${s.serverCpu.toFixed(2)}`,
  );
try {
  const processes = groupProcesses(server.group);
  const wrangler = processes.find((p) => p.command.includes("--inspector-port"));
  const inspectorPort = Number(wrangler?.command[wrangler.command.indexOf("--inspector-port") + 1]);
  for (const p of processes) console.log(`process ${p.pid}: ${p.command.join(" ").slice(0, 160)}`);

  line("warm-up via wrangler", await step(server.url, 3000));
  const inspector = await connectInspector(inspectorPort);
  await inspector.call("Profiler.enable");
  await inspector.call("Profiler.setSamplingInterval", { interval: Number(values["interval-us"]) });
  await inspector.call("Profiler.start");
  if (values.join) {
    const before = processCpu(processes.map((p) => p.pid));
    const join = await runJoin(server, pool, Number(values.join), values.deflate, 120_000);
    const after = processCpu(processes.map((p) => p.pid));
    console.log(`join: ${join.opened} in ${(join.elapsedMs / 1000).toFixed(1)} s`);
    for (const p of processes) {
      const used = (after.get(p.pid) ?? 0) - (before.get(p.pid) ?? 0);
      console.log(`  ${used.toFixed(2)} CPU-s  ${p.command.join(" ").slice(0, 100)}`);
    }
  } else line("profiled via wrangler", await step(server.url, durationMs));
  const { profile } = await inspector.call<{ profile: CpuProfile }>("Profiler.stop");
  inspector.close();
  writeFileSync(values.out, JSON.stringify(profile));
  const summary = summarize(profile, COSTS);
  const pct = (ms: number) => `${((100 * ms) / summary.totalMs).toFixed(1)}%`;
  console.log(`\nprofile: ${summary.totalMs.toFixed(0)} ms sampled, written to ${values.out}\ninclusive:`);
  for (const { name, ms } of summary.inclusive) console.log(`  ${pct(ms).padStart(6)}  ${name}`);
  console.log("self, top 25:");
  for (const { name, ms } of summary.self.slice(0, 25)) console.log(`  ${pct(ms).padStart(6)}  ${name}`);

  // The proxy hop: the same load straight to each workerd port that answers /api/health.
  if (!values.join)
    for (const p of processes.filter((p) => p.command[0]?.includes("workerd"))) {
      for (const port of listeningPorts(p.pid)) {
        if (port === Number(new URL(server.url).port) || port === inspectorPort) continue;
        const url = `http://127.0.0.1:${port}`;
        const ok = await fetch(`${url}/api/health`, { signal: AbortSignal.timeout(2000) }).then(
          (r) => r.ok,
          () => false,
        );
        if (!ok) continue;
        console.log(`\nworkerd ${p.pid} answers on ${url}`);
        line("direct to workerd", await step(url, durationMs));
        line("via wrangler again", await step(server.url, durationMs));
      }
    }
} finally {
  await pool.stop();
  await server.stop();
}

/** CPU seconds used so far by each process (Linux /proc; USER_HZ 100). */
function processCpu(pids: number[]): Map<number, number> {
  const used = new Map<number, number>();
  for (const pid of pids) {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
      used.set(pid, (Number(fields[11]) + Number(fields[12])) / 100);
    } catch {
      // exited
    }
  }
  return used;
}
