// The markdown report: summary table, per-load details, machine, versions, date.
import { existsSync, readFileSync } from "node:fs";
import { cpus, loadavg, release, totalmem } from "node:os";
import { basename, dirname, relative } from "node:path";
import { fileURLToPath } from "node:url";
import type { StepResult } from "./loads.ts";
import type { BenchOptions } from "./options.ts";
import { SERVER_LABELS } from "./servers.ts";
import { keepsUp, type ServerResult } from "./suite.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
// Hand-written findings below this heading survive a re-run.
const KEPT_HEADING = "## Where the time goes";

export type Environment = { date: string; machine: string; versions: string };

const ms = (value: number) => (Number.isNaN(value) ? "-" : value < 10 ? value.toFixed(1) : value.toFixed(0));
const rate = (value: number) => Math.round(value).toLocaleString("en-US");
const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;
const cores = (value: number) => value.toFixed(2);

function packageVersion(name: string): string {
  try {
    const file = `${ROOT}node_modules/${name}/package.json`;
    return (JSON.parse(readFileSync(file, "utf8")) as { version: string }).version;
  } catch {
    return "?";
  }
}

export function collectEnvironment(options: BenchOptions, startedAt: Date): Environment {
  const cpu = cpus()[0]?.model ?? "unknown CPU";
  const pinning = options.serverCpus
    ? `servers pinned to CPU ${options.serverCpus}, ${options.generators} load generator process(es) to CPU ${options.clientCpus}`
    : `not pinned; ${options.generators} load generator process(es)`;
  return {
    date: startedAt.toISOString(),
    machine: `${cpu}, ${cpus().length} cores, ${mib(totalmem())} RAM, Linux ${release()}; ${pinning}; load average at the end ${loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}`,
    versions: [
      `Node ${process.versions.node}`,
      ...["wrangler", "workerd", "ws", "socket.io", "express"].map((p) => `${p} ${packageVersion(p)}`),
    ].join(", "),
  };
}

/** Lost, duplicated, out-of-order over the steps that kept up (all must be 0). */
function integrity(result: ServerResult): string {
  const steps = [result.moderate, ...(result.saturation?.steps ?? [])].filter(
    (step): step is StepResult => step !== undefined && keepsUp(step),
  );
  if (steps.length === 0) return "-";
  const total = (pick: (s: StepResult) => number) => steps.reduce((sum, s) => sum + pick(s), 0);
  return `${total((s) => s.lost)} / ${total((s) => s.duplicated)} / ${total((s) => s.outOfOrder)}`;
}

export function summaryTable(results: ServerResult[], options: BenchOptions): string {
  const rows = [
    `| server | moderate (${options.moderateSockets} sockets) p50 / p99 / max ms | peak delivered msg/s (room size) | p99 > ${options.p99LimitMs} ms from | idle RSS per socket | lost / dup / out-of-order below saturation |`,
    "|---|---|---|---|---|---|",
  ];
  for (const r of results) {
    const m = r.moderate;
    const peak = r.saturation?.peak;
    rows.push(
      `| ${SERVER_LABELS[r.name]} | ${m ? `${ms(m.p50)} / ${ms(m.p99)} / ${ms(m.max)}` : "-"} | ${
        peak ? `${rate(peak.deliveredPerSec)} (${peak.sockets})` : "-"
      } | ${r.saturation ? (r.saturation.p99OverLimitAt ?? "not reached") : "-"} | ${
        r.idle ? kib(r.idle.perSocket) : "-"
      } | ${integrity(r)} |${r.error ? ` failed: ${r.error}` : ""}`,
    );
  }
  return rows.join("\n");
}

function stepTable(results: ServerResult[], pickSteps: (r: ServerResult) => StepResult[]): string {
  const rows = [
    "| server | sockets | offered msg/s | delivered msg/s | p50 ms | p99 ms | max ms | lost | dup | out of order | acks missing | server CPU (cores) | busiest generator CPU |",
    "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
  ];
  for (const r of results) {
    for (const s of pickSteps(r)) {
      rows.push(
        `| ${r.name} | ${s.sockets}${s.connectFailures ? ` (${s.connectFailures} failed)` : ""} | ${rate(s.offeredPerSec)} | ${rate(
          s.deliveredPerSec,
        )} | ${ms(s.p50)} | ${ms(s.p99)} | ${ms(s.max)} | ${s.lost} | ${s.duplicated} | ${s.outOfOrder} | ${s.acksMissing} | ${cores(
          s.serverCpu,
        )} | ${cores(s.generatorCpu)} |`,
      );
    }
  }
  return rows.join("\n");
}

function idleTable(results: ServerResult[]): string {
  const rows = ["| server | sockets | RSS before | RSS with sockets | per socket |", "|---|---|---|---|---|"];
  for (const r of results) {
    const i = r.idle;
    if (i)
      rows.push(
        `| ${r.name} | ${i.sockets - i.connectFailures} | ${mib(i.rssBefore)} | ${mib(i.rssAfter)} | ${kib(i.perSocket)} |`,
      );
  }
  return rows.join("\n");
}

function keptSection(out: string): string {
  if (!existsSync(out)) return "";
  const text = readFileSync(out, "utf8");
  const at = text.indexOf(KEPT_HEADING);
  return at === -1 ? "" : `\n${text.slice(at).trimEnd()}\n`;
}

export function renderReport(results: ServerResult[], options: BenchOptions, env: Environment): string {
  const chart = relative(dirname(options.out), options.chart) || basename(options.chart);
  return `# Benchmarks

Written by \`npm run bench\` (see \`npm run bench -- --help\`); the section "Where the time goes"
is kept across runs. Every socket sends ${options.rate} msg/s, the senders staggered evenly over
each period; latency is from the sender's send call to a receiver's message event
(the first ${options.warmupMs / 1000} s of sends left out), over every receiver.

- Date: ${env.date}
- Machine: ${env.machine}
- Versions: ${env.versions}

## Summary

${summaryTable(results, options)}

"Below saturation" counts the steps that delivered at least 95% of what was offered.
CPU is in cores (1.00 = one core busy): a generator near 1.00 is saturated and its
latencies are the generator's, not the server's.

![p99 delivery latency against room size](${chart})

## Moderate: ${options.moderateSockets} sockets for ${options.durationMs / 1000} s

${stepTable(results, (r) => (r.moderate ? [r.moderate] : []))}

## Saturation: room sizes ${options.steps.join(", ")}, ${options.stepDurationMs / 1000} s each

${stepTable(results, (r) => r.saturation?.steps ?? [])}

Steps stop when delivered msg/s rise by less than 5%, or when a step delivers less than
half of what it is offered (past saturation, bigger rooms only grow the backlog). Lost counts messages not delivered
within ${options.drainMs / 1000} s of the end of sending: above saturation, that is backlog.

## Idle: ${options.idleSockets} sockets

${idleTable(results)}

RSS is the sum over the server's whole process group (wrangler and workerd, or node).
${keptSection(options.out)}`;
}
