// The shards load: one big room spread over shard objects (exactly once, in seq order), and the
// same saturating room on one object and on two, interleaved (with the earlier checkout, if given).
import type { GeneratorPool } from "./load/generator-pool.ts";
import { runStep, type StepResult } from "./loads.ts";
import type { BenchOptions } from "./options.ts";
import { type BenchServer, type ServerName, startServer } from "./servers.ts";
import { describe } from "./suite.ts";

/** How the room's sockets are held: all on the room object, on it and its shards, or the earlier checkout. */
export type ShardLayout = "one object" | "sharded" | "before";

/** What `GET /api/rooms/<room>` said while the room's sockets were open. */
export type RoomSeen = { shards: number | undefined; onlineCount: number | undefined };

export type ShardRun = {
  layout: ShardLayout;
  /** ROOM_SHARD_SOCKETS the server ran with (undefined: its config's). */
  shardSockets: number | undefined;
  load: "compare" | "moderate";
  pair: number;
  step: StepResult;
  seen: RoomSeen;
};

export type ShardsResult = {
  big?: { step: StepResult; seen: RoomSeen; shardSockets: number };
  runs: ShardRun[];
  error?: string;
};

type Layout = { layout: ShardLayout; server: ServerName; shardSockets: number | undefined };

/** Reads the room's info; undefined fields when the server does not report them (an earlier checkout). */
async function roomSeen(server: BenchServer, room: string): Promise<RoomSeen> {
  try {
    const response = await fetch(`${server.url}/api/rooms/${room}`, { signal: AbortSignal.timeout(10_000) });
    const info = (await response.json()) as { shards?: unknown; onlineCount?: unknown };
    return {
      shards: typeof info.shards === "number" ? info.shards : undefined,
      onlineCount: typeof info.onlineCount === "number" ? info.onlineCount : undefined,
    };
  } catch {
    return { shards: undefined, onlineCount: undefined };
  }
}

export async function runShards(options: BenchOptions, pool: GeneratorPool): Promise<ShardsResult> {
  const result: ShardsResult = { runs: [] };
  const log = (line: string) => console.log(`[shards] ${line}`);
  const deflate = options.deflate[0] === "on";
  const placement = (shardSockets: number | undefined) => ({
    cpus: options.serverCpus,
    parleyConfig: options.parleyConfig,
    ...(options.beforeConfig ? { beforeConfig: options.beforeConfig } : {}),
    ...(shardSockets === undefined ? {} : { vars: { ROOM_SHARD_SOCKETS: String(shardSockets) } }),
  });
  const step = async (server: BenchServer, sockets: number, rate: number, durationMs: number) => {
    let seen: RoomSeen = { shards: undefined, onlineCount: undefined };
    const s = await runStep(server, pool, {
      sockets,
      rate,
      durationMs,
      warmupMs: Math.min(options.warmupMs, durationMs / 2),
      drainMs: options.drainMs,
      concurrency: options.concurrency,
      deflate,
      onConnected: async (room) => {
        seen = await roomSeen(server, room);
      },
    });
    return { step: s, seen };
  };
  const servers: BenchServer[] = [];
  try {
    // The big room first, on a server of its own.
    log(`starting: ROOM_SHARD_SOCKETS=${options.shardSockets}`);
    const bigServer = await startServer("parley", placement(options.shardSockets));
    servers.push(bigServer);
    const big = await step(bigServer, options.shardRoom, options.shardRate, options.durationMs);
    result.big = { ...big, shardSockets: options.shardSockets };
    log(
      `${options.shardRoom} sockets, shards ${big.seen.shards}: ${describe(big.step)}, seq ooo ${big.step.seqOutOfOrder}`,
    );
    await bigServer.stop();
    servers.pop();

    const layouts: Layout[] = [
      { layout: "one object", server: "parley", shardSockets: undefined },
      { layout: "sharded", server: "parley", shardSockets: Math.ceil(options.shardCompare / 2) },
    ];
    if (options.beforeConfig) layouts.push({ layout: "before", server: "before", shardSockets: undefined });
    const started = new Map<Layout, BenchServer>();
    for (const layout of layouts) {
      log(`starting ${layout.layout}`);
      const server = await startServer(layout.server, placement(layout.shardSockets));
      servers.push(server);
      started.set(layout, server);
    }
    for (let pair = 1; pair <= options.shardPairs; pair++) {
      for (const layout of layouts) {
        const server = started.get(layout) as BenchServer;
        const compared = await step(server, options.shardCompare, options.rate, options.stepDurationMs);
        result.runs.push({ ...layout, load: "compare", pair, ...compared });
        log(`pair ${pair}, ${layout.layout}, ${options.shardCompare} sockets: ${describe(compared.step)}`);
        // A room below one shard is the same on both of today's layouts: the moderate load runs once per pair.
        if (layout.layout === "sharded") continue;
        const moderate = await step(server, options.moderateSockets, options.rate, options.durationMs);
        result.runs.push({ ...layout, load: "moderate", pair, ...moderate });
        log(`pair ${pair}, ${layout.layout}, moderate: ${describe(moderate.step)}`);
      }
    }
  } catch (error) {
    result.error = error instanceof Error ? error.message : String(error);
    log(`failed: ${result.error}`);
    await pool.ask({ cmd: "close" }, "closed").catch(() => undefined);
  } finally {
    await Promise.all(servers.map((server) => server.stop()));
  }
  return result;
}
