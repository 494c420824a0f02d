// Runs the chosen loads against one server, from its start to its stop.
import type { GeneratorPool } from "./load/generator-pool.ts";
import { type IdleResult, runIdle, runStep, type StepResult } from "./loads.ts";
import type { BenchOptions } from "./options.ts";
import { type BenchServer, type ServerName, startServer } from "./servers.ts";

export type SaturationResult = {
  steps: StepResult[];
  peak: StepResult | undefined;
  /** Smallest room size whose p99 passed the limit, if any did. */
  p99OverLimitAt: number | undefined;
};

export type ServerResult = {
  name: ServerName;
  moderate?: StepResult;
  saturation?: SaturationResult;
  idle?: IdleResult;
  /** Why the run stopped early, if it did. */
  error?: string;
};

// A step "keeps up" when it delivers nearly all it is offered; loss there is a bug, not overload.
export const keepsUp = (step: StepResult) => step.deliveredPerSec >= 0.95 * step.offeredPerSec;
// Delivered messages/s "stop rising" when a step adds less than this.
const RISING = 1.05;

export async function runSuite(name: ServerName, options: BenchOptions, pool: GeneratorPool): Promise<ServerResult> {
  const result: ServerResult = { name };
  const log = (line: string) => console.log(`[${name}] ${line}`);
  const placement = { cpus: options.serverCpus, parleyConfig: options.parleyConfig };
  const withServer = async (run: (server: BenchServer) => Promise<void>) => {
    log("starting");
    const server = await startServer(name, placement);
    try {
      await run(server);
    } finally {
      await server.stop();
    }
  };
  try {
    if (options.loads.includes("moderate") || options.loads.includes("saturation")) {
      await withServer(async (server) => {
        const step = (sockets: number, durationMs: number) =>
          runStep(server, pool, {
            sockets,
            rate: options.rate,
            durationMs,
            warmupMs: Math.min(options.warmupMs, durationMs / 2),
            drainMs: options.drainMs,
            concurrency: options.concurrency,
          });
        if (options.loads.includes("moderate")) {
          result.moderate = await step(options.moderateSockets, options.durationMs);
          log(`moderate: ${describe(result.moderate)}`);
        }
        if (options.loads.includes("saturation")) result.saturation = await saturate(options, step, log);
      });
    }
    // Idle on a fresh server: a clean baseline, and closing many sockets leaves work behind.
    if (options.loads.includes("idle")) {
      await withServer(async (server) => {
        result.idle = await runIdle(server, pool, options.idleSockets, options.concurrency);
        log(`idle: ${(result.idle.perSocket / 1024).toFixed(1)} KiB per socket`);
      });
    }
  } catch (error) {
    result.error = error instanceof Error ? error.message : String(error);
    log(`failed: ${result.error}`);
    await pool.ask({ cmd: "close" }, "closed").catch(() => undefined);
  }
  return result;
}

async function saturate(
  options: BenchOptions,
  step: (sockets: number, durationMs: number) => Promise<StepResult>,
  log: (line: string) => void,
): Promise<SaturationResult> {
  const steps: StepResult[] = [];
  let peak: StepResult | undefined;
  for (const sockets of options.steps) {
    const current = await step(sockets, options.stepDurationMs);
    log(`${sockets} sockets: ${describe(current)}`);
    steps.push(current);
    const rising = !peak || current.deliveredPerSec >= RISING * peak.deliveredPerSec;
    if (!peak || current.deliveredPerSec > peak.deliveredPerSec) peak = current;
    // Past this, a bigger room only grows the backlog (and minutes of draining).
    const overwhelmed = current.deliveredPerSec < current.offeredPerSec / 2;
    if (!rising || overwhelmed || current.connectFailures > sockets / 10) break;
  }
  return { steps, peak, p99OverLimitAt: steps.find((s) => s.p99 > options.p99LimitMs)?.sockets };
}

function describe(step: StepResult): string {
  return [
    `${Math.round(step.deliveredPerSec)}/${Math.round(step.offeredPerSec)} msg/s delivered/offered`,
    `p50 ${step.p50.toFixed(1)} p99 ${step.p99.toFixed(1)} max ${step.max.toFixed(1)} ms`,
    `lost ${step.lost} dup ${step.duplicated} ooo ${step.outOfOrder}`,
    `cpu server ${step.serverCpu.toFixed(2)} generator ${step.generatorCpu.toFixed(2)}`,
  ].join(", ");
}
