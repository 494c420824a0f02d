// Runs the chosen loads against one server, from its start to its stop, in each deflate mode.
import type { GeneratorPool } from "./load/generator-pool.ts";
import { type IdleResult, type JoinResult, runIdle, runJoin, runStep, type StepResult } from "./loads.ts";
import type { BenchOptions, DeflateMode } from "./options.ts";

// The loads that run on the suite's first server, mode by mode.
const STEP_LOADS: ReadonlySet<string> = new Set(["moderate", "saturation", "crowd"]);

import { type BenchServer, NEGOTIATES_DEFLATE, type ServerName, startServer } from "./servers.ts";

export type SaturationResult = {
  steps: StepResult[];
  peak: StepResult | undefined;
  /** Smallest room size whose p99 passed the limit, if any did. */
  p99OverLimitAt: number | undefined;
};

/** One run of the overload load on a fresh server: each room size above capacity, then the next load. */
export type OverloadRun = { run: number; steps: StepResult[]; next: StepResult };

/** What one server did with clients offering deflate (`on`) or not (`off`). */
export type ModeResult = {
  mode: DeflateMode;
  moderate?: StepResult;
  saturation?: SaturationResult;
  /** The step at --crowd-sockets (taken from the sweep when it ran one). */
  crowd?: StepResult;
  join?: JoinResult;
  idle?: IdleResult;
  overload?: OverloadRun[];
};

export type ServerResult = {
  name: ServerName;
  modes: ModeResult[];
  /** Why the run stopped early, if it did. */
  error?: string;
};

// A step "keeps up" when it delivers nearly all it is offered; loss there is a bug, not overload.
export const keepsUp = (step: StepResult) => step.deliveredPerSec >= 0.95 * step.offeredPerSec;
// Delivered messages/s "stop rising" when a step adds less than this.
const RISING = 1.05;
// Servers whose idle memory the goals compare; the peers' is not measured (their joins are slow).
const IDLE_SERVERS: ReadonlySet<ServerName> = new Set(["parley", "socketio", "ws", "floor", "floorapp", "before"]);

/** The modes a server runs: the Node servers decline deflate, so for them one run says it all. */
export function modesOf(name: ServerName, options: BenchOptions): DeflateMode[] {
  return NEGOTIATES_DEFLATE.has(name) && name !== "before" ? options.deflate : options.deflate.slice(0, 1);
}
// The earlier checkout answers a few questions (are sends, overload or joins slower now?): the crowd step, the
// overload runs, the join storm, and the tail pairs.
const BEFORE_LOADS = new Set(["crowd", "overload", "join"]);
// Only Parley refuses what it cannot deliver in time; the others are measured past capacity by saturation.
const OVERLOAD_SERVERS: ReadonlySet<ServerName> = new Set(["parley", "before"]);
// The floor shaped like Parley answers another (what do its routing and first frame cost?).
const FLOOR_APP_LOADS = new Set(["moderate", "join", "idle"]);

export async function runSuite(name: ServerName, options: BenchOptions, pool: GeneratorPool): Promise<ServerResult> {
  const result: ServerResult = { name, modes: [] };
  const log = (line: string) => console.log(`[${name}] ${line}`);
  const placement = {
    cpus: options.serverCpus,
    parleyConfig: options.parleyConfig,
    ...(options.beforeConfig ? { beforeConfig: options.beforeConfig } : {}),
  };
  const withServer = async (run: (server: BenchServer) => Promise<void>) => {
    log("starting");
    const server = await startServer(name, placement);
    try {
      await run(server);
    } finally {
      await server.stop();
    }
  };
  const only = name === "before" ? BEFORE_LOADS : name === "floorapp" ? FLOOR_APP_LOADS : undefined;
  const loads = new Set<string>(only ? options.loads.filter((l) => only.has(l)) : options.loads);
  const stepsOn =
    (server: BenchServer, deflate: boolean) =>
    (sockets: number, durationMs: number): Promise<StepResult> =>
      runStep(server, pool, {
        sockets,
        rate: options.rate,
        durationMs,
        warmupMs: Math.min(options.warmupMs, durationMs / 2),
        drainMs: options.drainMs,
        concurrency: options.concurrency,
        deflate,
      });
  const modeOf = (mode: DeflateMode) => {
    const found = result.modes.find((m) => m.mode === mode);
    if (found) return found;
    const added: ModeResult = { mode };
    result.modes.push(added);
    return added;
  };
  try {
    const stepLoads = [...loads].some((l) => STEP_LOADS.has(l));
    if (stepLoads) {
      await withServer(async (server) => {
        for (const [i, mode] of modesOf(name, options).entries()) {
          const modeResult: ModeResult = { mode };
          result.modes.push(modeResult);
          const step = stepsOn(server, mode === "on");
          const say = (what: string, s: StepResult) => log(`deflate ${mode}, ${what}: ${describe(s)}`);
          if (loads.has("moderate")) {
            modeResult.moderate = await step(options.moderateSockets, options.durationMs);
            say("moderate", modeResult.moderate);
          }
          if (loads.has("saturation") && i === 0) {
            modeResult.saturation = await saturate(options, step, (s) => say(`${s.sockets} sockets`, s));
          }
          if (loads.has("crowd")) {
            modeResult.crowd =
              modeResult.saturation?.steps.find((s) => s.sockets === options.crowdSockets) ??
              (await step(options.crowdSockets, options.stepDurationMs));
            say(`crowd of ${options.crowdSockets}`, modeResult.crowd);
          }
        }
      });
    }
    // Each overload run on a fresh server: a run must not inherit the last one's backlog or warmth.
    const overloadMode = modesOf(name, options)[0];
    if (loads.has("overload") && OVERLOAD_SERVERS.has(name) && overloadMode) {
      const runs: OverloadRun[] = [];
      modeOf(overloadMode).overload = runs;
      for (let run = 1; run <= options.overloadRuns; run++) {
        await withServer(async (server) => {
          const step = stepsOn(server, overloadMode === "on");
          const steps: StepResult[] = [];
          for (const sockets of options.overloadSockets) {
            const s = await step(sockets, options.stepDurationMs);
            log(`deflate ${overloadMode}, overload run ${run}, ${sockets} sockets: ${describe(s)}`);
            log(
              `  per second: delivered ${s.series.delivered.join(" ")}; acks ${s.series.acks.join(" ")}; refused ${s.series.refused.join(" ")}`,
            );
            steps.push(s);
          }
          const next = await step(options.moderateSockets, options.stepDurationMs);
          log(`deflate ${overloadMode}, overload run ${run}, next load: ${describe(next)}`);
          runs.push({ run, steps, next });
        });
      }
    }
    // Joins on a fresh server too: a room of 1,000 and its leave storm must not weigh on other loads.
    const joinMode = modesOf(name, options)[0];
    if (loads.has("join") && joinMode) {
      await withServer(async (server) => {
        const j = await runJoin(server, pool, options.joinSockets, joinMode === "on", options.joinBudgetMs);
        const modeResult = result.modes.find((m) => m.mode === joinMode);
        if (modeResult) modeResult.join = j;
        else result.modes.push({ mode: joinMode, join: j });
        log(
          `deflate ${joinMode}, join: ${j.opened}/${j.sockets} in ${(j.elapsedMs / 1000).toFixed(1)} s, server ${j.serverCpuSeconds.toFixed(1)} CPU-s, leaves ${(j.leaveMs / 1000).toFixed(1)} s, closed by server ${j.closedByServer}`,
        );
      });
    }
    // Idle on a fresh server: a clean baseline, and closing many sockets leaves work behind.
    if (loads.has("idle") && IDLE_SERVERS.has(name)) {
      for (const mode of modesOf(name, options)) {
        await withServer(async (server) => {
          const idle = await runIdle(server, pool, options.idleSockets, options.concurrency, mode === "on");
          const modeResult = result.modes.find((m) => m.mode === mode);
          if (modeResult) modeResult.idle = idle;
          else result.modes.push({ mode, idle });
          log(
            `deflate ${mode}, idle: ${(idle.perSocket / 1024).toFixed(1)} KiB per socket, ${(idle.wireBytesPerSocket / 1024).toFixed(1)} KiB received per socket`,
          );
        });
      }
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
  log: (step: StepResult) => void,
): Promise<SaturationResult> {
  const steps: StepResult[] = [];
  let peak: StepResult | undefined;
  for (const sockets of options.steps) {
    const current = await step(sockets, options.stepDurationMs);
    log(current);
    steps.push(current);
    const rising = !peak || current.deliveredPerSec >= RISING * peak.deliveredPerSec;
    if (!peak || current.deliveredPerSec > peak.deliveredPerSec) peak = current;
    // Past this, a bigger room only grows the backlog (and minutes of draining).
    const overwhelmed = current.deliveredPerSec < current.offeredPerSec / 2;
    if (!rising || overwhelmed || current.connectFailures > sockets / 10) break;
  }
  return { steps, peak, p99OverLimitAt: steps.find((s) => s.p99 > options.p99LimitMs)?.sockets };
}

export function describe(step: StepResult): string {
  return [
    `${Math.round(step.deliveredPerSec)}/${Math.round(step.offeredPerSec)} msg/s delivered/offered`,
    `${step.messagesPerFrame.toFixed(1)} msg/frame, refused ${step.refused}, connect ${(step.connectMs / 1000).toFixed(1)} s, drained ${(step.drainedAfterMs / 1000).toFixed(1)} s after`,
    `p50 ${step.p50.toFixed(1)} p99 ${step.p99.toFixed(1)} max ${step.max.toFixed(1)} ms`,
    `lost ${step.lost} dup ${step.duplicated} ooo ${step.outOfOrder}`,
    `cpu server ${step.serverCpu.toFixed(2)} generator ${step.generatorCpu.toFixed(2)}`,
    `${step.wireBytesPerDelivery.toFixed(0)} B/delivery, deflated ${step.deflated}, closed by server ${step.closedByServer}`,
  ].join(", ");
}
