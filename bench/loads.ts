// The three loads: one room step (moderate, or one step of saturation), and idle memory.

import { type GeneratorPool, shareOf } from "./load/generator-pool.ts";
import { type Histogram, merge, newHistogram, percentile } from "./load/histogram.ts";
import { sampleGroups } from "./proc-stats.ts";
import type { BenchServer } from "./servers.ts";

export type StepOptions = {
  sockets: number;
  /** Messages per second per socket. */
  rate: number;
  durationMs: number;
  warmupMs: number;
  drainMs: number;
  concurrency: number;
};

export type StepResult = {
  sockets: number;
  connectFailures: number;
  offeredPerSec: number;
  deliveredPerSec: number;
  p50: number;
  p99: number;
  max: number;
  lost: number;
  duplicated: number;
  outOfOrder: number;
  /** Parley only: own messages never acknowledged. */
  acksMissing: number;
  errorFrames: number;
  /** Cores used over the send window: the server's whole group, and the busiest generator. */
  serverCpu: number;
  generatorCpu: number;
};

export type IdleResult = {
  sockets: number;
  connectFailures: number;
  rssBefore: number;
  rssAfter: number;
  perSocket: number;
};

const now = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let roomCounter = 0;
const freshRoom = (label: string) => `bench-${label}-${Date.now().toString(36)}-${roomCounter++}`;

async function connectRoom(
  pool: GeneratorPool,
  server: BenchServer,
  sockets: number,
  concurrency: number,
  label: string,
) {
  const count = pool.pids.length;
  const room = freshRoom(label);
  const replies = await pool.ask(
    (g) => ({
      cmd: "connect",
      protocol: server.protocol,
      url: server.url,
      room,
      indices: shareOf(g, count, sockets),
      total: sockets,
      concurrency: Math.max(1, Math.ceil(concurrency / count)),
    }),
    "connected",
  );
  const failures = replies.reduce((sum, r) => sum + r.failed, 0);
  const firstError = replies.find((r) => r.firstError)?.firstError;
  if (failures > 0) console.warn(`  ${failures} of ${sockets} sockets failed to connect: ${firstError}`);
  // Let join announcements settle so they do not count against the first messages.
  await pool.ask({ cmd: "quiet", quietMs: 300, timeoutMs: 60_000 }, "quiet");
  return failures;
}

/** Waits until the server group uses under a fifth of a core: backlogs from the last step are done. */
export async function waitForServerIdle(server: BenchServer, timeoutMs = 60_000): Promise<void> {
  const deadline = now() + timeoutMs;
  let last = sampleGroups([server.group]).cpuSeconds;
  while (now() < deadline) {
    await sleep(500);
    const cpu = sampleGroups([server.group]).cpuSeconds;
    if (cpu - last < 0.1) return;
    last = cpu;
  }
}

export async function runStep(server: BenchServer, pool: GeneratorPool, options: StepOptions): Promise<StepResult> {
  const { sockets, rate, durationMs, warmupMs, drainMs } = options;
  const connectFailures = await connectRoom(pool, server, sockets, options.concurrency, String(sockets));
  const startAt = now() + 300;
  await sleep(startAt - now());
  const before = sampleGroups([server.group]);
  const sentReplies = await pool.ask({ cmd: "run", startAt, durationMs, warmupMs, rate, total: sockets }, "sent");
  const windowSec = (now() - startAt) / 1000;
  const after = sampleGroups([server.group]);

  const sent = new Array<number>(sockets).fill(0);
  for (const reply of sentReplies) for (const [index, count] of reply.sent) sent[index] = count;
  const reports = await pool.ask({ cmd: "drain", sent, deadline: now() + drainMs }, "drained");
  await pool.ask({ cmd: "close" }, "closed");
  await waitForServerIdle(server);

  const histogram: Histogram = newHistogram();
  for (const report of reports) merge(histogram, report.histogram);
  const sum = (pick: (r: (typeof reports)[number]) => number) => reports.reduce((total, r) => total + pick(r), 0);
  const totalSent = sent.reduce((total, count) => total + count, 0);
  return {
    sockets,
    connectFailures,
    offeredPerSec: (totalSent * (sockets - connectFailures - 1)) / (durationMs / 1000),
    deliveredPerSec: sum((r) => r.inWindow) / (durationMs / 1000),
    p50: percentile(histogram, 0.5),
    p99: percentile(histogram, 0.99),
    max: histogram.max,
    lost: sum((r) => r.lost),
    duplicated: sum((r) => r.duplicated),
    outOfOrder: sum((r) => r.outOfOrder),
    acksMissing: server.protocol === "parley" ? Math.max(0, totalSent - sum((r) => r.acks)) : 0,
    errorFrames: sum((r) => r.errors),
    serverCpu: (after.cpuSeconds - before.cpuSeconds) / windowSec,
    generatorCpu: Math.max(...sentReplies.map((r) => r.cpuSeconds / windowSec)),
  };
}

export async function runIdle(
  server: BenchServer,
  pool: GeneratorPool,
  sockets: number,
  concurrency: number,
): Promise<IdleResult> {
  await waitForServerIdle(server);
  const rssBefore = sampleGroups([server.group]).rssBytes;
  const connectFailures = await connectRoom(pool, server, sockets, concurrency, "idle");
  await sleep(1000);
  const rssAfter = sampleGroups([server.group]).rssBytes;
  await pool.ask({ cmd: "close" }, "closed");
  await waitForServerIdle(server);
  const opened = sockets - connectFailures;
  return { sockets, connectFailures, rssBefore, rssAfter, perSocket: opened > 0 ? (rssAfter - rssBefore) / opened : 0 };
}
