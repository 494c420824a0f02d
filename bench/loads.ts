// The loads: one room step (moderate, or one step of saturation), idle memory, and a crowd
// joining one socket after another.
import { execFileSync } from "node:child_process";

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
  /** Clients offer permessage-deflate. */
  deflate: boolean;
  /** Runs once the room's sockets are open, before sending (e.g. to read the room's info). */
  onConnected?: (room: string) => Promise<void>;
};

/** How sockets opened, and what the server did to them. */
export type SocketStats = {
  /** Sockets that negotiated permessage-deflate. */
  deflated: number;
  /** Sockets the server closed before the bench did, by close code. */
  closedByServer: number;
  closeCodes: Record<string, number>;
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
  /** Parley only: messages a socket got with a seq not above the last one it got. */
  seqOutOfOrder: number;
  /** Parley only: own messages neither acknowledged nor refused. */
  acksMissing: number;
  /** Messages the senders sent in all. */
  sent: number;
  /** Parley only: own messages refused \`rate_limited\` (never stored, not counted as lost). */
  refused: number;
  /** Messages each sender got stored (acked; without acks, sent less refused): the least, the median and the most. */
  acceptedPerSender: { min: number; median: number; max: number };
  /** Deliveries over the frames (or batches) that carried them. */
  messagesPerFrame: number;
  /** Per second from the start of sending, over every socket: deliveries, acks and refusals. */
  series: { delivered: number[]; acks: number[]; refused: number[] };
  errorFrames: number;
  /** Cores used over the send window: the server's whole group, and the busiest generator. */
  serverCpu: number;
  generatorCpu: number;
  /** Bytes on the wire (TCP payload) the clients received, per message delivered to them. */
  wireBytesPerDelivery: number;
  /** How long the room's sockets took to open (each waiting for its welcome). */
  connectMs: number;
  /** From the end of sending until every accepted message was delivered and acked (or the drain gave up). */
  drainedAfterMs: number;
} & SocketStats;

export type IdleResult = {
  sockets: number;
  connectFailures: number;
  rssBefore: number;
  rssAfter: number;
  perSocket: number;
  /** Bytes on the wire each idle socket received: upgrade, welcome, presence news. */
  wireBytesPerSocket: number;
} & SocketStats;

export type JoinResult = {
  sockets: number;
  opened: number;
  connectFailures: number;
  /** From the first socket's open call to the last one's `open`. */
  elapsedMs: number;
  /** Server CPU over the joins, in CPU seconds. */
  serverCpuSeconds: number;
  /** From closing every socket until the server is idle again (the leaves). */
  leaveMs: number;
  wireBytesPerSocket: number;
} & SocketStats;

const now = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let roomCounter = 0;
const freshRoom = (label: string) => `bench-${label}-${Date.now().toString(36)}-${roomCounter++}`;

/** Bytes received so far by the clients' sockets to the server (`ss`: kernel TCP counters). */
export function clientBytesReceived(server: BenchServer): number {
  const port = new URL(server.url).port;
  // Thousands of sockets print megabytes: more than execFileSync buffers by default.
  const out = execFileSync("ss", ["-tinH", "state", "established", "dport", `= :${port}`], {
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
  });
  let total = 0;
  for (const match of out.matchAll(/bytes_received:(\d+)/g)) total += Number(match[1]);
  return total;
}

type ConnectOptions = { deflate: boolean; readyOn: "open" | "welcome"; budgetMs?: number };

/** Opens `sockets` sockets into a fresh room, `concurrency` at a time; they stay open until `closeRoom`. */
export async function connectRoom(
  pool: GeneratorPool,
  server: BenchServer,
  sockets: number,
  concurrency: number,
  label: string,
  connect: ConnectOptions,
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
      ...connect,
    }),
    "connected",
  );
  const failures = replies.reduce((sum, r) => sum + r.failed, 0);
  const firstError = replies.find((r) => r.firstError)?.firstError;
  if (failures > 0) console.warn(`  ${failures} of ${sockets} sockets failed to connect: ${firstError}`);
  const connected = {
    room,
    failures,
    opened: replies.reduce((sum, r) => sum + r.opened, 0),
    deflated: replies.reduce((sum, r) => sum + r.deflated, 0),
    elapsedMs: Math.max(...replies.map((r) => r.elapsedMs)),
  };
  // Let join announcements settle so they do not count against the first messages.
  await pool.ask({ cmd: "quiet", quietMs: 300, timeoutMs: 60_000 }, "quiet");
  return connected;
}

export async function closeRoom(pool: GeneratorPool): Promise<Omit<SocketStats, "deflated">> {
  const replies = await pool.ask({ cmd: "close" }, "closed");
  const closeCodes: Record<string, number> = {};
  for (const reply of replies)
    for (const [code, n] of Object.entries(reply.closeCodes)) closeCodes[code] = (closeCodes[code] ?? 0) + n;
  return { closedByServer: replies.reduce((sum, r) => sum + r.closedByServer, 0), closeCodes };
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
  const connected = await connectRoom(pool, server, sockets, options.concurrency, String(sockets), {
    deflate: options.deflate,
    readyOn: "welcome",
  });
  const connectFailures = connected.failures;
  await options.onConnected?.(connected.room);
  const bytesBefore = clientBytesReceived(server);
  const startAt = now() + 300;
  await sleep(startAt - now());
  const before = sampleGroups([server.group]);
  const sentReplies = await pool.ask({ cmd: "run", startAt, durationMs, warmupMs, rate, total: sockets }, "sent");
  const windowSec = (now() - startAt) / 1000;
  const after = sampleGroups([server.group]);

  const sent = new Array<number>(sockets).fill(0);
  for (const reply of sentReplies) for (const [index, count] of reply.sent) sent[index] = count;
  const deadline = now() + drainMs;
  const answered = await pool.ask({ cmd: "answers", deadline }, "answered");
  const notExpected = answered.flatMap((a) => a.notExpected);
  const reports = await pool.ask({ cmd: "drain", sent, notExpected, deadline }, "drained");
  const drainedAfterMs = now() - (startAt + durationMs);
  const wireBytes = clientBytesReceived(server) - bytesBefore;
  const closed = await closeRoom(pool);
  await waitForServerIdle(server);

  const histogram: Histogram = newHistogram();
  for (const report of reports) merge(histogram, report.histogram);
  const sum = (pick: (r: (typeof reports)[number]) => number) => reports.reduce((total, r) => total + pick(r), 0);
  const totalSent = sent.reduce((total, count) => total + count, 0);
  const notExpectedOf = new Map(notExpected.map(([index, counters]) => [index, counters.length]));
  const accepted = sent
    .map((count, index) => [count, count - (notExpectedOf.get(index) ?? 0)] as const)
    .filter(([count]) => count > 0)
    .map(([, kept]) => kept)
    .sort((a, b) => a - b);
  const delivered = sum((r) => r.delivered);
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
    seqOutOfOrder: sum((r) => r.seqOutOfOrder),
    acksMissing: server.protocol === "parley" ? Math.max(0, totalSent - sum((r) => r.acks) - sum((r) => r.refused)) : 0,
    sent: totalSent,
    refused: sum((r) => r.refused),
    acceptedPerSender: {
      min: accepted[0] ?? 0,
      median: accepted[Math.floor(accepted.length / 2)] ?? 0,
      max: accepted.at(-1) ?? 0,
    },
    messagesPerFrame:
      delivered /
      Math.max(
        1,
        sum((r) => r.frames),
      ),
    series: {
      delivered: addSeries(reports.map((r) => r.series.delivered)),
      acks: addSeries(reports.map((r) => r.series.acks)),
      refused: addSeries(reports.map((r) => r.series.refused)),
    },
    errorFrames: sum((r) => r.errors),
    serverCpu: (after.cpuSeconds - before.cpuSeconds) / windowSec,
    generatorCpu: Math.max(...sentReplies.map((r) => r.cpuSeconds / windowSec)),
    wireBytesPerDelivery:
      wireBytes /
      Math.max(
        1,
        sum((r) => r.delivered),
      ),
    connectMs: connected.elapsedMs,
    drainedAfterMs,
    deflated: connected.deflated,
    ...closed,
  };
}

/** Per-second counts of several generators, added second by second. */
function addSeries(all: number[][]): number[] {
  const length = Math.max(0, ...all.map((s) => s.length));
  return Array.from({ length }, (_, i) => all.reduce((total, s) => total + (s[i] ?? 0), 0));
}

export async function runIdle(
  server: BenchServer,
  pool: GeneratorPool,
  sockets: number,
  concurrency: number,
  deflate: boolean,
): Promise<IdleResult> {
  await waitForServerIdle(server);
  const rssBefore = sampleGroups([server.group]).rssBytes;
  const connected = await connectRoom(pool, server, sockets, concurrency, "idle", { deflate, readyOn: "welcome" });
  await sleep(1000);
  const rssAfter = sampleGroups([server.group]).rssBytes;
  const wireBytes = clientBytesReceived(server);
  const closed = await closeRoom(pool);
  await waitForServerIdle(server);
  const opened = connected.opened;
  return {
    sockets,
    connectFailures: connected.failures,
    rssBefore,
    rssAfter,
    perSocket: opened > 0 ? (rssAfter - rssBefore) / opened : 0,
    wireBytesPerSocket: opened > 0 ? wireBytes / opened : 0,
    deflated: connected.deflated,
    ...closed,
  };
}

const JOIN_WARMUP_SOCKETS = 300;

/** Sockets opened one after another into one room, each waiting only for its `open`. */
export async function runJoin(
  server: BenchServer,
  pool: GeneratorPool,
  sockets: number,
  deflate: boolean,
  budgetMs: number,
): Promise<JoinResult> {
  // A running deployment's code is warm (compiled and optimised): a smaller crowd joins and
  // leaves another room first, so the measured joins are not the isolate's first.
  await connectRoom(pool, server, Math.min(sockets, JOIN_WARMUP_SOCKETS), 1, "join-warmup", {
    deflate,
    readyOn: "open",
    budgetMs,
  });
  await closeRoom(pool);
  await waitForServerIdle(server, budgetMs);
  const cpuBefore = sampleGroups([server.group]).cpuSeconds;
  const connected = await connectRoom(pool, server, sockets, 1, "join", { deflate, readyOn: "open", budgetMs });
  const serverCpuSeconds = sampleGroups([server.group]).cpuSeconds - cpuBefore;
  const wireBytes = clientBytesReceived(server);
  const leaving = now();
  const closed = await closeRoom(pool);
  // An O(N^2) leave storm could take minutes: wait no longer than the joins were allowed.
  await waitForServerIdle(server, budgetMs);
  return {
    sockets,
    opened: connected.opened,
    connectFailures: connected.failures,
    elapsedMs: connected.elapsedMs,
    serverCpuSeconds,
    leaveMs: now() - leaving,
    wireBytesPerSocket: connected.opened > 0 ? wireBytes / connected.opened : 0,
    deflated: connected.deflated,
    ...closed,
  };
}
