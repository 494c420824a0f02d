// The moderate tail against Socket.io: interleaved repeats of the moderate load, so both see
// the same machine (shared, noisy) at nearly the same time; goals use the median over repeats.
import { startGenerators } from "./load/generator-pool.ts";
import { runStep, type StepResult } from "./loads.ts";
import type { BenchOptions, Pinning } from "./options.ts";
import { type BenchServer, type ServerName, startServer } from "./servers.ts";
import { describe } from "./suite.ts";

export type TailEntry = { server: ServerName; deflate: boolean };
export type TailRun = TailEntry & { pinning: Pinning; pair: number; step: StepResult };

/**
 * One repeat: Parley and Socket.io without the offer (the goal), then Parley offering it, then
 * the floor shaped like Parley without the offer (the runtime's own tail, when it is compared).
 */
export function tailSequence(options: BenchOptions): TailEntry[] {
  const entries: TailEntry[] = [
    { server: "parley", deflate: false },
    { server: "socketio", deflate: false },
    { server: "parley", deflate: true },
  ];
  if (options.servers.includes("floorapp")) entries.push({ server: "floorapp", deflate: false });
  if (options.servers.includes("before")) entries.push({ server: "before", deflate: false });
  return entries;
}

export async function runTail(options: BenchOptions, pinning: Pinning): Promise<TailRun[]> {
  const pinned = pinning === "pinned";
  const pool = startGenerators(options.generators, pinned ? (options.clientCpus ?? "1") : undefined);
  const placement = {
    cpus: pinned ? (options.serverCpus ?? "0") : undefined,
    parleyConfig: options.parleyConfig,
    ...(options.beforeConfig ? { beforeConfig: options.beforeConfig } : {}),
  };
  const sequence = tailSequence(options);
  const servers = new Map<ServerName, BenchServer>();
  const runs: TailRun[] = [];
  try {
    for (const { server } of sequence) {
      if (!servers.has(server)) servers.set(server, await startServer(server, placement));
    }
    for (let pair = 1; pair <= options.pairs; pair++) {
      for (const entry of sequence) {
        const server = servers.get(entry.server) as BenchServer;
        const step = await runStep(server, pool, {
          sockets: options.moderateSockets,
          rate: options.rate,
          durationMs: options.durationMs,
          warmupMs: Math.min(options.warmupMs, options.durationMs / 2),
          drainMs: options.drainMs,
          concurrency: options.concurrency,
          deflate: entry.deflate,
        });
        console.log(
          `[tail ${pinning} ${pair}] ${entry.server} deflate ${entry.deflate ? "on" : "off"}: ${describe(step)}`,
        );
        runs.push({ ...entry, pinning, pair, step });
      }
    }
  } finally {
    await Promise.all([pool.stop(), ...[...servers.values()].map((s) => s.stop())]);
  }
  return runs;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}
