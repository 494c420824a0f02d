// A load generator process: holds a share of the room's sockets, sends on schedule and
// tracks what arrives. Driven over IPC by generator-pool.ts.

import { type BenchClient, openClient } from "./clients.ts";
import { DeliveryTracker, type Refused, type Totals } from "./delivery-tracker.ts";
import { newHistogram } from "./histogram.ts";
import type { Command, Protocol, Reply } from "./messages.ts";

type Member = {
  index: number;
  client: BenchClient;
  tracker: DeliveryTracker;
  sent: number;
  refused: number[];
  acked: Set<number>;
};
type Series = { delivered: number[]; acks: number[]; refused: number[] };

const now = () => performance.timeOrigin + performance.now();
const reply = (message: Reply) => process.send?.(message);

let members: Member[] = [];
let protocol: Protocol = "ws";
let lastFrameAt = now();
let histogram = newHistogram();
let totals: Totals = { delivered: 0, duplicated: 0, outOfOrder: 0, inWindow: 0 };
let acks = 0;
let refused = 0;
let frames = 0;
let errors = 0;
let seqOutOfOrder = 0;
let series: Series = { delivered: [], acks: [], refused: [] };
let sendingFrom = Number.POSITIVE_INFINITY;
// Seconds of sending and draining a series covers at most.
const SERIES_SECONDS = 120;
const count = (bins: number[], at: number) => {
  const second = Math.floor((at - sendingFrom) / 1000);
  if (second >= 0 && second < SERIES_SECONDS) bins[second] = (bins[second] ?? 0) + 1;
};
let closeCodes: Record<string, number> = {};
let window = { recordFrom: Number.POSITIVE_INFINITY, end: Number.POSITIVE_INFINITY };
let cpuAtStart = process.cpuUsage();
// Bumped by close(): frames still draining into closed sockets (a backlog) must not count in the next load.
let generation = 0;

async function connect(command: Extract<Command, { cmd: "connect" }>): Promise<void> {
  protocol = command.protocol;
  const queue = [...command.indices];
  let failed = 0;
  let firstError: string | undefined;
  const giveUpAt = command.budgetMs === undefined ? Number.POSITIVE_INFINITY : now() + command.budgetMs;
  const worker = async () => {
    for (let index = queue.shift(); index !== undefined && now() < giveUpAt; index = queue.shift()) {
      const tracker = new DeliveryTracker(command.total);
      const born = generation;
      const own: number[] = [];
      const acked = new Set<number>();
      const hooks = {
        onDelivery: (text: string) => {
          if (born !== generation) return;
          const at = now();
          lastFrameAt = at;
          tracker.receive(text, at, window, totals, histogram);
          count(series.delivered, at);
        },
        onFrame: () => {
          if (born !== generation) return;
          frames++;
        },
        onAck: (counter: number) => {
          if (born !== generation) return;
          acked.add(counter);
          lastFrameAt = now();
          acks++;
          count(series.acks, lastFrameAt);
        },
        onRefused: (counter: number) => {
          if (born !== generation) return;
          lastFrameAt = now();
          refused++;
          own.push(counter);
          count(series.refused, lastFrameAt);
        },
        onError: () => {
          if (born !== generation) return;
          errors++;
        },
        onSeqOrder: () => {
          if (born !== generation) return;
          seqOutOfOrder++;
        },
        onClose: (code: number) => {
          if (born !== generation) return;
          closeCodes[code] = (closeCodes[code] ?? 0) + 1;
        },
      };
      try {
        const client = await openClient(command.protocol, command.url, command.room, index, hooks, command);
        members.push({ index, client, tracker, sent: 0, refused: own, acked });
      } catch (error) {
        failed++;
        firstError ??= String(error);
      }
    }
  };
  const startedAt = now();
  await Promise.all(Array.from({ length: command.concurrency }, worker));
  const elapsedMs = now() - startedAt;
  members.sort((a, b) => a.index - b.index);
  lastFrameAt = now();
  const deflated = members.filter((m) => m.client.deflated).length;
  reply({
    ev: "connected",
    opened: members.length,
    failed,
    deflated,
    elapsedMs,
    ...(firstError ? { firstError } : {}),
  });
}

async function quiet(quietMs: number, timeoutMs: number): Promise<void> {
  const deadline = now() + timeoutMs;
  while (now() - lastFrameAt < quietMs && now() < deadline) await sleep(50);
  reply({ ev: "quiet", idle: now() - lastFrameAt >= quietMs });
}

/** Socket i of N sends at startAt + (i/N + k)/rate: every socket at `rate`, staggered evenly. */
function run(command: Extract<Command, { cmd: "run" }>): void {
  const { startAt, durationMs, warmupMs, rate, total } = command;
  const end = startAt + durationMs;
  window = { recordFrom: startAt + warmupMs, end };
  sendingFrom = startAt;
  cpuAtStart = process.cpuUsage();
  const n = members.length;
  const dueAt = (j: number) => {
    const member = members[j % n] as Member;
    return startAt + ((member.index / total + Math.floor(j / n)) * 1000) / rate;
  };
  let j = 0;
  const tick = () => {
    const t = now();
    while (n > 0 && dueAt(j) <= t && dueAt(j) < end) {
      const member = members[j % n] as Member;
      member.client.send(`${member.index}:${member.sent}:${now().toFixed(3)}`, member.sent);
      member.sent++;
      j++;
    }
    if (n > 0 && dueAt(j) < end) {
      setTimeout(tick, Math.max(0, dueAt(j) - now()));
      return;
    }
    reply({ ev: "sent", sent: members.map((m) => [m.index, m.sent]), cpuSeconds: cpuSince(cpuAtStart) });
  };
  setTimeout(tick, Math.max(0, startAt - now()));
}

async function answers(deadline: number): Promise<void> {
  const ownSent = members.reduce((sum, m) => sum + m.sent, 0);
  while (protocol === "parley" && acks + refused < ownSent && now() < deadline) await sleep(25);
  // Parley acks what it stored: anything else (refused, or not answered yet) no receiver can count on.
  const notAcked = (m: Member) => Array.from({ length: m.sent }, (_, c) => c).filter((c) => !m.acked.has(c));
  const notExpected = members
    .map((m): [number, number[]] => [m.index, protocol === "parley" ? notAcked(m) : m.refused])
    .filter(([, counters]) => counters.length > 0);
  reply({ ev: "answered", notExpected });
}

async function drain(sent: number[], notExpected: [number, number[]][], deadline: number): Promise<void> {
  const ownSent = members.reduce((sum, m) => sum + m.sent, 0);
  const gone: Refused = new Map(notExpected.map(([index, counters]) => [index, new Set(counters)]));
  const accepted = sent.map((count, index) => count - (gone.get(index)?.size ?? 0));
  const allAccepted = accepted.reduce((sum, count) => sum + count, 0);
  const expected = members.reduce((sum, m) => sum + allAccepted - (accepted[m.index] ?? 0), 0);
  const done = () => totals.delivered >= expected && (protocol !== "parley" || acks + refused >= ownSent);
  while (!done() && now() < deadline) await sleep(25);
  const lost = members.reduce((sum, m) => sum + m.tracker.lost(sent, m.index, gone), 0);
  reply({
    ev: "drained",
    histogram,
    ...totals,
    expected,
    lost,
    acks,
    refused,
    errors,
    seqOutOfOrder,
    frames,
    series,
    cpuSeconds: cpuSince(cpuAtStart),
  });
}

async function close(): Promise<void> {
  const codes = closeCodes;
  closeCodes = {};
  generation++;
  for (const member of members) member.client.close();
  members = [];
  histogram = newHistogram();
  totals = { delivered: 0, duplicated: 0, outOfOrder: 0, inWindow: 0 };
  acks = 0;
  refused = 0;
  frames = 0;
  errors = 0;
  seqOutOfOrder = 0;
  series = { delivered: [], acks: [], refused: [] };
  sendingFrom = Number.POSITIVE_INFINITY;
  window = { recordFrom: Number.POSITIVE_INFINITY, end: Number.POSITIVE_INFINITY };
  await sleep(200);
  const closedByServer = Object.values(codes).reduce((sum, n) => sum + n, 0);
  reply({ ev: "closed", closedByServer, closeCodes: codes });
}

function cpuSince(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1e6;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

process.on("message", (command: Command) => {
  switch (command.cmd) {
    case "connect":
      void connect(command);
      return;
    case "quiet":
      void quiet(command.quietMs, command.timeoutMs);
      return;
    case "run":
      run(command);
      return;
    case "answers":
      void answers(command.deadline);
      return;
    case "drain":
      void drain(command.sent, command.notExpected, command.deadline);
      return;
    case "close":
      void close();
      return;
  }
});
process.on("disconnect", () => process.exit(0));
