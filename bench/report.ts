// The markdown report: goals, summary table, per-load details, machine, versions, date.
import { existsSync, readFileSync } from "node:fs";
import { cpus, loadavg, release, totalmem } from "node:os";
import { basename, dirname, relative } from "node:path";
import { fileURLToPath } from "node:url";
import type { StepResult } from "./loads.ts";
import type { BenchOptions, DeflateMode } from "./options.ts";
import { NEGOTIATES_DEFLATE, SERVER_LABELS, type ServerName } from "./servers.ts";
import type { ShardsResult } from "./shards.ts";
import { shardsSection } from "./shards-report.ts";
import { keepsUp, type ModeResult, type OverloadRun, type ServerResult } from "./suite.ts";
import { median, type TailRun, tailSequence } from "./tail.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
// Hand-written findings below this heading survive a re-run.
const KEPT_HEADING = "## Where the time goes";

export type Environment = { date: string; machine: string; versions: string };

const ms = (value: number) => (Number.isNaN(value) ? "-" : value < 10 ? value.toFixed(1) : value.toFixed(0));
const rate = (value: number) => Math.round(value).toLocaleString("en-US");
const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;
const cores = (value: number) => value.toFixed(2);
const ratio = (value: number) => (Number.isFinite(value) ? `${value.toFixed(2)}x` : "-");
const seconds = (msValue: number) => `${(msValue / 1000).toFixed(1)} s`;
const met = (ok: boolean | undefined) => (ok === undefined ? "not measured" : ok ? "**met**" : "**not met**");
const codes = (c: Record<string, number>) =>
  Object.entries(c)
    .map(([code, n]) => `${n}x ${code}`)
    .join(", ");

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
      ...["wrangler", "workerd", "ws", "socket.io", "express", "partyserver"].map((p) => `${p} ${packageVersion(p)}`),
    ].join(", "),
  };
}

const modeOf = (r: ServerResult | undefined, mode: DeflateMode): ModeResult | undefined =>
  r?.modes.find((m) => m.mode === mode);
const first = (r: ServerResult | undefined): ModeResult | undefined => r?.modes[0];
const find = (results: ServerResult[], name: ServerName) => results.find((r) => r.name === name);

function stepsOf(m: ModeResult): StepResult[] {
  const all = [m.moderate, ...(m.saturation?.steps ?? []), m.crowd].filter((s): s is StepResult => s !== undefined);
  return [...new Set(all)];
}

/** Lost, duplicated, out-of-order over the steps that kept up (all must be 0). */
function integrity(result: ServerResult): string {
  const steps = result.modes.flatMap(stepsOf).filter(keepsUp);
  if (steps.length === 0) return "-";
  const total = (pick: (s: StepResult) => number) => steps.reduce((sum, s) => sum + pick(s), 0);
  return `${total((s) => s.lost)} / ${total((s) => s.duplicated)} / ${total((s) => s.outOfOrder)}`;
}

function closedByServer(result: ServerResult): number {
  return result.modes.reduce(
    (sum, m) =>
      sum +
      stepsOf(m).reduce((n, s) => n + s.closedByServer, 0) +
      (m.idle?.closedByServer ?? 0) +
      (m.join?.closedByServer ?? 0),
    0,
  );
}

/** "on / off" cells for a value measured in each mode. */
function perMode(r: ServerResult, show: (m: ModeResult) => string | undefined): string {
  const cells = r.modes.map((m) => [m.mode, show(m)] as const).filter(([, cell]) => cell !== undefined);
  if (cells.length === 0) return "-";
  return cells.length === 1 && r.modes.length === 1
    ? (cells[0]?.[1] ?? "-")
    : cells.map(([mode, cell]) => `${mode}: ${cell}`).join("; ");
}

export function summaryTable(results: ServerResult[], options: BenchOptions): string {
  const rows = [
    `| server | moderate (${options.moderateSockets} sockets) p50 / p99 ms, by deflate offer | ${options.crowdSockets} sockets: delivered msg/s | lost there | peak delivered msg/s (room size) | ${options.joinSockets} sockets joining one by one | idle RSS per socket | bytes on the wire per delivered message (moderate) | closed by the server | lost / dup / out-of-order below saturation |`,
    "|---|---|---|---|---|---|---|---|---|---|",
  ];
  for (const r of results) {
    const peak = first(r)?.saturation?.peak;
    const join = first(r)?.join;
    rows.push(
      `| ${SERVER_LABELS[r.name]}${r.modes.length === 1 && options.deflate.length > 1 && !NEGOTIATES_DEFLATE.has(r.name) ? " (declines deflate: one run)" : ""} | ${perMode(
        r,
        (m) => m.moderate && `${ms(m.moderate.p50)} / ${ms(m.moderate.p99)}`,
      )} | ${perMode(r, (m) => m.crowd && rate(m.crowd.deliveredPerSec))} | ${perMode(r, (m) => m.crowd && rate(m.crowd.lost))} | ${
        peak ? `${rate(peak.deliveredPerSec)} (${peak.sockets})` : "-"
      } | ${join ? `${join.opened < join.sockets ? `${join.opened} in ` : ""}${seconds(join.elapsedMs)}` : "-"} | ${perMode(
        r,
        (m) => m.idle && kib(m.idle.perSocket),
      )} | ${perMode(r, (m) => m.moderate?.wireBytesPerDelivery.toFixed(0))} | ${closedByServer(r)} | ${integrity(r)} |${
        r.error ? ` failed: ${r.error}` : ""
      }`,
    );
  }
  return rows.join("\n");
}

function stepTable(results: ServerResult[], pickSteps: (m: ModeResult) => StepResult[]): string {
  const rows = [
    "| server | offer deflate | sockets | deflated | offered msg/s | delivered msg/s | messages per frame | p50 ms | p99 ms | max ms | lost | dup | out of order | acks missing | refused | closed by server | bytes per delivery | server CPU (cores) | busiest generator CPU |",
    "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
  ];
  for (const r of results) {
    for (const m of r.modes) {
      for (const s of pickSteps(m)) {
        rows.push(
          `| ${r.name} | ${m.mode} | ${s.sockets}${s.connectFailures ? ` (${s.connectFailures} failed)` : ""} | ${s.deflated} | ${rate(
            s.offeredPerSec,
          )} | ${rate(s.deliveredPerSec)} | ${perFrame(s)} | ${ms(s.p50)} | ${ms(s.p99)} | ${ms(s.max)} | ${s.lost} | ${s.duplicated} | ${s.outOfOrder} | ${
            s.acksMissing
          } | ${s.refused} | ${s.closedByServer}${s.closedByServer ? ` (${codes(s.closeCodes)})` : ""} | ${s.wireBytesPerDelivery.toFixed(0)} | ${cores(
            s.serverCpu,
          )} | ${cores(s.generatorCpu)} |`,
        );
      }
    }
  }
  return rows.join("\n");
}

const perFrame = (s: StepResult) => (s.messagesPerFrame ? s.messagesPerFrame.toFixed(1) : "-");
const overloadRuns = (r: ServerResult | undefined): OverloadRun[] => first(r)?.overload ?? [];

/** Each overload run's steps above capacity: steadiness, the tail, refusals and their fairness. */
function overloadTable(results: ServerResult[]): string {
  const rows = [
    "| server | run | sockets | offered msg/s | delivered msg/s | messages per frame | p50 ms | p99 ms | max ms | lost (acked, not at every other socket when the drain ended) | refused (of sent) | not answered when the drain ended | stored per sender: least / median / most | delivered and acked after the senders stopped | closed by server | server CPU |",
    "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
  ];
  for (const r of results) {
    for (const run of overloadRuns(r)) {
      for (const s of run.steps) {
        const a = s.acceptedPerSender;
        rows.push(
          `| ${r.name} | ${run.run} | ${s.sockets}${s.connectFailures ? ` (${s.connectFailures} failed)` : ""} | ${rate(s.offeredPerSec)} | ${rate(
            s.deliveredPerSec,
          )} | ${perFrame(s)} | ${ms(s.p50)} | ${ms(s.p99)} | ${ms(s.max)} | ${s.lost} | ${s.refused} of ${s.sent} | ${s.acksMissing} | ${a.min} / ${a.median} / ${a.max} | ${seconds(s.drainedAfterMs)} | ${s.closedByServer} | ${cores(s.serverCpu)} |`,
        );
      }
    }
  }
  return rows.join("\n");
}

/** The load that followed each run at once. */
function nextLoadTable(results: ServerResult[]): string {
  const rows = [
    "| server | run | sockets | all connected after | delivered msg/s | messages per frame | p50 ms | p99 ms | lost | refused | closed by server |",
    "|---|---|---|---|---|---|---|---|---|---|---|",
  ];
  for (const r of results) {
    for (const { run, next: s } of overloadRuns(r)) {
      rows.push(
        `| ${r.name} | ${run} | ${s.sockets}${s.connectFailures ? ` (${s.connectFailures} failed)` : ""} | ${seconds(s.connectMs)} | ${rate(
          s.deliveredPerSec,
        )} | ${perFrame(s)} | ${ms(s.p50)} | ${ms(s.p99)} | ${s.lost} | ${s.refused} | ${s.closedByServer} |`,
      );
    }
  }
  return rows.join("\n");
}

/** Deliveries per second, second by second from the start of sending, in thousands. */
function seriesTable(results: ServerResult[], options: BenchOptions): string {
  const seconds = Math.ceil((options.stepDurationMs + options.drainMs) / 1000);
  const head = Array.from({ length: seconds }, (_, i) => `${i}-${i + 1} s`);
  const rows = [`| server | run | sockets | ${head.join(" | ")} |`, `|---|---|---|${head.map(() => "---|").join("")}`];
  const k = (n: number | undefined) => ((n ?? 0) / 1000).toFixed(0);
  for (const r of results) {
    for (const run of overloadRuns(r)) {
      for (const s of run.steps) {
        const cells = Array.from({ length: seconds }, (_, i) => k(s.series.delivered[i]));
        rows.push(`| ${r.name} | ${run.run} | ${s.sockets} | ${cells.join(" | ")} |`);
      }
    }
  }
  return rows.join("\n");
}

function joinTable(results: ServerResult[]): string {
  const rows = [
    "| server | offer deflate | sockets in | all open after | server CPU-s over the joins | leaves done after | received per socket | closed by server |",
    "|---|---|---|---|---|---|---|---|",
  ];
  for (const r of results) {
    for (const m of r.modes) {
      const j = m.join;
      if (!j) continue;
      rows.push(
        `| ${r.name} | ${m.mode} | ${j.opened} of ${j.sockets}${j.connectFailures ? ` (${j.connectFailures} failed)` : ""} | ${seconds(
          j.elapsedMs,
        )} | ${j.serverCpuSeconds.toFixed(1)} | ${seconds(j.leaveMs)} | ${kib(j.wireBytesPerSocket)} | ${j.closedByServer} |`,
      );
    }
  }
  return rows.join("\n");
}

function idleTable(results: ServerResult[]): string {
  const rows = [
    "| server | offer deflate | sockets | deflated | RSS before | RSS with sockets | per socket | received per socket | closed by server |",
    "|---|---|---|---|---|---|---|---|---|",
  ];
  for (const r of results) {
    for (const m of r.modes) {
      const i = m.idle;
      if (i)
        rows.push(
          `| ${r.name} | ${m.mode} | ${i.sockets - i.connectFailures} | ${i.deflated} | ${mib(i.rssBefore)} | ${mib(i.rssAfter)} | ${kib(
            i.perSocket,
          )} | ${kib(i.wireBytesPerSocket)} | ${i.closedByServer} |`,
        );
    }
  }
  return rows.join("\n");
}

function tailTable(tail: TailRun[]): string {
  const rows = [
    "| pinning | repeat | server | offer deflate | p50 ms | p99 ms | max ms | delivered msg/s | lost | closed by server | bytes per delivery | server CPU |",
    "|---|---|---|---|---|---|---|---|---|---|---|---|",
  ];
  for (const t of tail) {
    const s = t.step;
    rows.push(
      `| ${t.pinning} | ${t.pair} | ${t.server} | ${t.deflate ? "on" : "off"} | ${ms(s.p50)} | ${ms(s.p99)} | ${ms(s.max)} | ${rate(
        s.deliveredPerSec,
      )} | ${s.lost} | ${s.closedByServer} | ${s.wireBytesPerDelivery.toFixed(0)} | ${cores(s.serverCpu)} |`,
    );
  }
  return rows.join("\n");
}

type TailSummary = {
  pinning: string;
  parleyOff: number[];
  parleyOn: number[];
  socketio: number[];
  floorapp: number[];
  before: number[];
};

function tailSummaries(tail: TailRun[]): TailSummary[] {
  const pinnings = [...new Set(tail.map((t) => t.pinning))];
  return pinnings.map((pinning) => {
    const p99s = (server: ServerName, deflate: boolean) =>
      tail.filter((t) => t.pinning === pinning && t.server === server && t.deflate === deflate).map((t) => t.step.p99);
    return {
      pinning,
      parleyOff: p99s("parley", false),
      parleyOn: p99s("parley", true),
      socketio: p99s("socketio", false),
      floorapp: p99s("floorapp", false),
      before: p99s("before", false),
    };
  });
}

const range = (values: number[]) =>
  values.length === 0 ? "-" : `${ms(median(values))} (${ms(Math.min(...values))}-${ms(Math.max(...values))})`;

// How the goal lines name the servers they compare with.
const SHORT_LABELS = {
  socketio: "Socket.io",
  floor: "the broadcast-only floor",
  floorapp: "the floor shaped like Parley (behind assets, greeting each socket)",
} as const;

/** Each goal of issue 12 (and issue 10's check), stated as met or not from this run's numbers. */
function goals(results: ServerResult[], tail: TailRun[], options: BenchOptions): string {
  const lines: string[] = [];
  const parley = find(results, "parley");
  const floor = find(results, "floor");
  const socketio = find(results, "socketio");

  // 1. Bytes on the wire, both ways.
  const bytes = (r: ServerResult | undefined, mode: DeflateMode) => modeOf(r, mode)?.moderate?.wireBytesPerDelivery;
  const on = bytes(parley, "on");
  const off = bytes(parley, "off");
  lines.push(
    `- **Bench like browsers**: clients offer permessage-deflate by default; every load on workerd also runs with the offer off. Parley's bytes on the wire per delivered message at ${options.moderateSockets} sockets: ${
      on === undefined ? "-" : on.toFixed(0)
    } with the offer, ${off === undefined ? "-" : off.toFixed(0)} without (TCP payload the clients received, acks and pings included, over messages delivered).`,
  );

  // 3. Crowds join fast.
  const join = first(parley)?.join;
  const otherJoins = (["socketio", "floor", "floorapp"] as const)
    .flatMap((name) => {
      const j = first(find(results, name))?.join;
      return j ? [`, ${SHORT_LABELS[name]} ${seconds(j.elapsedMs)}`] : [];
    })
    .join("");
  lines.push(
    `- **Crowds join fast** (${options.joinSockets} sockets one after another, each waiting only for its open, at most 3 s): ${
      join
        ? `Parley ${join.opened} of ${join.sockets} in ${seconds(join.elapsedMs)}${otherJoins}: ${met(
            join.opened === join.sockets && join.elapsedMs <= 3000,
          )}`
        : "not measured"
    }.`,
  );

  // 4. Memory.
  for (const mode of options.deflate) {
    const p = modeOf(parley, mode)?.idle;
    const f = modeOf(floor, mode)?.idle;
    const fa = modeOf(find(results, "floorapp"), mode)?.idle;
    const x = p && f ? p.perSocket / f.perSocket : undefined;
    lines.push(
      `- **Idle memory, offer ${mode}** (Parley at most 1.2x the broadcast-only floor per socket, same run): ${
        p && f && x !== undefined
          ? `Parley ${kib(p.perSocket)}, floor ${kib(f.perSocket)} per socket = ${ratio(x)}: ${met(x <= 1.2)}`
          : "not measured"
      }.${
        p && fa
          ? ` Against ${SHORT_LABELS.floorapp}: ${kib(fa.perSocket)} per socket, Parley ${ratio(p.perSocket / fa.perSocket)}.`
          : ""
      }`,
    );
  }

  // 5. Moderate tail and peak.
  for (const t of tailSummaries(tail)) {
    const x = median(t.parleyOff) / median(t.socketio);
    const xOn = median(t.parleyOn) / median(t.socketio);
    lines.push(
      `- **Moderate tail, ${t.pinning}** (Parley's p99 at most 2x Socket.io's, clients not offering deflate, median of ${
        t.socketio.length
      } interleaved repeats): Parley ${range(t.parleyOff)} ms, Socket.io ${range(t.socketio)} ms = ${ratio(x)}: ${met(
        x <= 2,
      )}. With Parley's clients offering deflate: ${range(t.parleyOn)} ms = ${ratio(xOn)} of Socket.io's.${
        t.floorapp.length > 0
          ? ` The runtime's own tail, in the same repeats: ${SHORT_LABELS.floorapp} ${range(t.floorapp)} ms = ${ratio(
              median(t.floorapp) / median(t.socketio),
            )} of Socket.io's; Parley ${ratio(median(t.parleyOff) / median(t.floorapp))} of it.`
          : ""
      }`,
    );
  }
  const peak = first(parley)?.saturation?.peak;
  const sioPeak = first(socketio)?.saturation?.peak;
  if (peak && sioPeak) {
    const x = peak.deliveredPerSec / sioPeak.deliveredPerSec;
    lines.push(
      `- **Peak delivered msg/s at least 3x Socket.io's**: Parley ${rate(peak.deliveredPerSec)} (${peak.sockets} sockets), Socket.io ${rate(
        sioPeak.deliveredPerSec,
      )} (${sioPeak.sockets}) = ${ratio(x)}: ${met(x >= 3)}.`,
    );
  }

  // 6. Same-runtime peers at the crowd size.
  for (const mode of options.deflate) {
    const p = modeOf(parley, mode)?.crowd;
    const peers = (["chatdemo", "partyserver"] as const).map((name) => ({
      name,
      s: modeOf(find(results, name), mode)?.crowd,
    }));
    if (!p || peers.some((x) => !x.s)) continue;
    const xs = peers.map(({ name, s }) => ({ name, x: p.deliveredPerSec / (s as StepResult).deliveredPerSec }));
    // Parley cannot deliver more than is offered: past this, the ratio is bounded by the load.
    const reachable = Math.min(...peers.map(({ s }) => p.offeredPerSec / (s as StepResult).deliveredPerSec));
    lines.push(
      `- **At least 10x the same-runtime peers at ${options.crowdSockets} sockets, offer ${mode}**: Parley ${rate(p.deliveredPerSec)} delivered msg/s; ${peers
        .map(({ name, s }) => `${SERVER_LABELS[name]} ${rate((s as StepResult).deliveredPerSec)}`)
        .join(", ")} = ${xs.map(({ x }) => ratio(x)).join(" and ")}: ${met(xs.every(({ x }) => x >= 10))}${
        reachable < 10
          ? ` (cannot be met at this load: all that is offered, ${rate(p.offeredPerSec)} msg/s, is only ${ratio(reachable)} the faster peer's delivery)`
          : ""
      }.`,
    );
  }

  // Issue 10: the event log did not slow sends.
  const before = find(results, "before");
  const beforeTail = tailSummaries(tail).filter((t) => t.before.length > 0);
  if (before || beforeTail.length > 0) {
    const mode = first(before)?.mode ?? options.deflate[0] ?? "on";
    const bc = first(before)?.crowd;
    const pc = modeOf(parley, mode)?.crowd;
    const tails = beforeTail
      .map((t) => `${t.pinning}: now ${range(t.parleyOff)} ms, before ${range(t.before)} ms`)
      .join("; ");
    lines.push(
      `- **Sends no slower with the event log** (issue 10; \`before\` = ${options.beforeConfig}): moderate p99, median (range) over the repeats, offer off: ${
        tails || "-"
      }. Delivered msg/s at ${options.crowdSockets} sockets, offer ${mode}: now ${pc ? rate(pc.deliveredPerSec) : "-"}, before ${bc ? rate(bc.deliveredPerSec) : "-"}.`,
    );
  }
  return lines.join("\n");
}

function keptSection(out: string): string {
  if (!existsSync(out)) return "";
  const text = readFileSync(out, "utf8");
  const at = text.indexOf(KEPT_HEADING);
  return at === -1 ? "" : `\n${text.slice(at).trimEnd()}\n`;
}

export function renderReport(
  results: ServerResult[],
  tail: TailRun[],
  options: BenchOptions,
  env: Environment,
  shards?: ShardsResult,
): string {
  const chart = relative(dirname(options.out), options.chart) || basename(options.chart);
  const args = options.argv.length > 0 ? ` -- ${options.argv.join(" ")}` : "";
  return `# Benchmarks

Written by \`npm run bench${args}\` (see \`npm run bench -- --help\`); the section "Where the time goes"
is kept across runs. Every socket sends ${options.rate} msg/s, the senders staggered evenly over
each period; latency is from the sender's send call to a receiver's message event
(the first ${options.warmupMs / 1000} s of sends left out), over every receiver. Clients offer
permessage-deflate as browsers do ("offer on"), and the loads on workerd run again without
the offer ("offer off"). The servers on wrangler dev keep their state on tmpfs.
The machine is shared and noisy: single numbers move by up to 2x between runs; the tail
goal uses medians over interleaved repeats, and ranges are given.

- Date: ${env.date}
- Machine: ${env.machine}
- Versions: ${env.versions}

## Goals

${goals(results, tail, options)}

## Summary

${summaryTable(results, options)}

"Below saturation" counts the steps that delivered at least 95% of what was offered.
CPU is in cores (1.00 = one core busy): a generator near 1.00 is saturated and its
latencies are the generator's, not the server's. Bytes on the wire are the TCP payload the
clients received (frames, their headers, acks, pings) per message delivered to them.

![p99 delivery latency against room size](${chart})

## Moderate: ${options.moderateSockets} sockets for ${options.durationMs / 1000} s

${stepTable(results, (m) => (m.moderate ? [m.moderate] : []))}

## Saturation: room sizes ${options.steps.join(", ")}, ${options.stepDurationMs / 1000} s each, offer ${options.deflate[0]}

${stepTable(results, (m) => m.saturation?.steps ?? [])}

Steps stop when delivered msg/s rise by less than 5%, or when a step delivers less than
half of what it is offered (past saturation, bigger rooms only grow the backlog). Lost counts messages not delivered
within ${options.drainMs / 1000} s of the end of sending: above saturation, that is backlog.

## Crowd: ${options.crowdSockets} sockets for ${options.stepDurationMs / 1000} s, each offer

${stepTable(results, (m) => (m.crowd ? [m.crowd] : []))}

## Overload: room sizes ${options.overloadSockets.join(", ")}, ${options.overloadRuns} run(s), each on a fresh server, offer ${options.deflate[0]}

${
  results.some((r) => overloadRuns(r).length > 0)
    ? `Each run starts a fresh server, runs each room size for ${options.stepDurationMs / 1000} s (offered more than one room can deliver), then the
moderate room size at once. Refused messages got \`rate_limited\` and were never stored: they count neither as
sent for loss nor in the latency, which is over delivered messages only. Messages with neither an ack nor a
refusal when the drain gave up (the room still reading its input) are counted apart, not as lost: lost counts
what was acked and had not reached every other socket by then (at 800 sockets some of it is still on its way:
the drain waits at most ${options.drainMs / 1000} s after the senders stop).

${overloadTable(results)}

The next load, right after each run:

${nextLoadTable(results)}

Deliveries per second (thousands, over every receiver), second by second from the start of sending
(sending stops at ${options.stepDurationMs / 1000} s):

${seriesTable(results, options)}`
    : "Not run."
}

## Join: ${options.joinSockets} sockets opened one after another

On a fresh server, warmed by a smaller crowd (300 sockets) joining and leaving another room first, as a
running deployment's code is compiled and optimised. Each socket waits only for its \`open\` before the next
is opened (at most ${options.joinBudgetMs / 1000} s in all).
Leaves: all sockets closed at once, until the server's CPU is idle again (sampled every 0.5 s).

${joinTable(results)}

## Idle: ${options.idleSockets} sockets

${idleTable(results)}

RSS is the sum over the server's whole process group (wrangler and workerd, or node), 1 s
after the last socket was ready. "Received per socket" is what each idle socket got on the
wire: the upgrade, the welcome and the presence news of those who joined after it.

## Tail: the moderate load, interleaved repeats

Each repeat runs, one after another on servers started once: ${tailSequence(options)
    .map(({ server, deflate }) => `${SERVER_LABELS[server]} offer ${deflate ? "on" : "off"}`)
    .join(", then ")}.

${tail.length > 0 ? tailTable(tail) : "Not run."}
${shards ? `\n${shardsHeading(options)}\n\n${shardsSection(shards, options)}\n` : ""}${keptSection(options.out)}`;
}

const shardsHeading = (options: BenchOptions) =>
  `## Shards: ${options.shardRoom} sockets in one room, and ${options.shardCompare} on one object against two`;

/** The report of a run of the shards load alone (\`--loads shards\`). */
export function renderShardsReport(shards: ShardsResult, options: BenchOptions, env: Environment): string {
  const args = options.argv.length > 0 ? ` -- ${options.argv.join(" ")}` : "";
  return `# Benchmarks: rooms over shard objects

Written by \`npm run bench${args}\` (see \`npm run bench -- --help\`, load \`shards\`, and docs/scaling.md).
Every server runs under wrangler dev, where all of a room's objects share one workerd thread: this shows
correctness and each layout's cost on one core, not the edge's capacity. Clients offer permessage-deflate: ${options.deflate[0]}.
The machine is shared and noisy: single numbers move by up to 2x between runs, so the comparisons use
medians over interleaved repeats, and ranges are given.

- Date: ${env.date}
- Machine: ${env.machine}
- Versions: ${env.versions}

${shardsHeading(options)}

${shardsSection(shards, options)}
${keptSection(options.out)}`;
}
