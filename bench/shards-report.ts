// The shards load's part of the report: the big room, the one-object/sharded comparison, and its goals.
import type { StepResult } from "./loads.ts";
import type { BenchOptions } from "./options.ts";
import type { ShardLayout, ShardRun, ShardsResult } from "./shards.ts";
import { median } from "./tail.ts";

const rate = (value: number) => Math.round(value).toLocaleString("en-US");
const ms = (value: number) => (Number.isNaN(value) ? "-" : value < 10 ? value.toFixed(1) : value.toFixed(0));
const met = (ok: boolean) => (ok ? "**met**" : "**not met**");
const show = (value: number | undefined) => (value === undefined ? "-" : String(value));

/** Server CPU time per delivered message, in µs (the whole server group: wrangler's proxy, workerd). */
export const cpuPerDelivery = (s: StepResult) =>
  s.deliveredPerSec > 0 ? (s.serverCpu / s.deliveredPerSec) * 1e6 : NaN;

const clean = (s: StepResult) =>
  s.lost === 0 && s.duplicated === 0 && s.outOfOrder === 0 && s.seqOutOfOrder === 0 && s.connectFailures === 0;

const HEADER = `| Layout | Load | Repeat | Sockets | Shards | Online | Delivered msg/s | Offered msg/s | p50 ms | p99 ms | Lost | Dup | Out of order (sender, seq) | Refused | Closed by server | Server CPU | CPU µs/delivery |
|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|`;

function row(layout: string, load: string, repeat: string, s: StepResult, shards?: number, online?: number): string {
  return `| ${layout} | ${load} | ${repeat} | ${s.sockets - s.connectFailures}/${s.sockets} | ${show(shards)} | ${show(online)} | ${rate(s.deliveredPerSec)} | ${rate(s.offeredPerSec)} | ${ms(s.p50)} | ${ms(s.p99)} | ${s.lost} | ${s.duplicated} | ${s.outOfOrder}, ${s.seqOutOfOrder} | ${s.refused} | ${s.closedByServer} | ${s.serverCpu.toFixed(2)} | ${cpuPerDelivery(s).toFixed(2)} |`;
}

const runsOf = (result: ShardsResult, layout: ShardLayout, load: ShardRun["load"]) =>
  result.runs.filter((r) => r.layout === layout && r.load === load);
const medianOf = (runs: ShardRun[], pick: (s: StepResult) => number) => median(runs.map((r) => pick(r.step)));
const rangeOf = (runs: ShardRun[], pick: (s: StepResult) => number) => {
  const values = runs.map((r) => pick(r.step));
  return values.length > 0 ? [Math.min(...values), Math.max(...values)] : [NaN, NaN];
};
const overlap = (a: number[], b: number[]) => (a[0] ?? NaN) <= (b[1] ?? NaN) && (b[0] ?? NaN) <= (a[1] ?? NaN);

export function shardsGoals(result: ShardsResult, options: BenchOptions): string {
  const lines: string[] = [];
  const big = result.big;
  if (big) {
    const s = big.step;
    lines.push(
      `- ${options.shardRoom} sockets in one room, ROOM_SHARD_SOCKETS=${big.shardSockets} (${show(big.seen.shards)} shard objects besides the room's): nothing lost, duplicated or out of order: ${met(clean(s) && s.closedByServer === 0)} (${s.lost} lost, ${s.duplicated} duplicated, ${s.outOfOrder} out of sender order, ${s.seqOutOfOrder} out of seq order, ${s.connectFailures} failed to connect, ${s.closedByServer} closed by the server, over ${rate(s.sent)} messages sent and ${rate(s.deliveredPerSec * (options.durationMs / 1000))} delivered in the window).`,
    );
  }
  const one = runsOf(result, "one object", "compare");
  const sharded = runsOf(result, "sharded", "compare");
  if (one.length > 0 && sharded.length > 0) {
    const delivered = (s: StepResult) => s.deliveredPerSec;
    const ratio = medianOf(sharded, delivered) / medianOf(one, delivered);
    lines.push(
      `- Delivered msg/s at ${options.shardCompare} sockets on two objects (room + 1 shard) against one, median of ${sharded.length} interleaved repeats: ${ratio.toFixed(2)}x (goal at least 0.8x): ${met(ratio >= 0.8)}; one object ${rate(medianOf(one, delivered))} (${rangeOf(one, delivered).map(rate).join("-")}), two ${rate(medianOf(sharded, delivered))} (${rangeOf(sharded, delivered).map(rate).join("-")}).`,
    );
  }
  const before = runsOf(result, "before", "compare");
  if (before.length > 0 && one.length > 0) {
    for (const [load, label] of [
      ["moderate", `moderate (${options.moderateSockets} sockets)`],
      ["compare", `${options.shardCompare} sockets`],
    ] as const) {
      const now = runsOf(result, "one object", load);
      const then = runsOf(result, "before", load);
      const measures: [string, (s: StepResult) => number, (v: number) => string][] = [
        ["delivered msg/s", (s) => s.deliveredPerSec, rate],
        ["p50 ms", (s) => s.p50, ms],
        ["p99 ms", (s) => s.p99, ms],
      ];
      const parts = measures.map(([name, pick, fmt]) => {
        const a = rangeOf(now, pick);
        const b = rangeOf(then, pick);
        return `${name} now ${fmt(medianOf(now, pick))} (${a.map(fmt).join("-")}) before ${fmt(medianOf(then, pick))} (${b.map(fmt).join("-")})${overlap(a, b) ? "" : " (ranges apart)"}`;
      });
      const same = measures.every(([, pick]) => overlap(rangeOf(now, pick), rangeOf(then, pick)));
      lines.push(
        `- A room below one shard, ${label}, now against before: ${met(same)} (ranges overlap): ${parts.join("; ")}.`,
      );
    }
  }
  if (result.error) lines.push(`- The load stopped early: ${result.error}`);
  return lines.join("\n");
}

export function shardsSection(result: ShardsResult, options: BenchOptions): string {
  const rows: string[] = [];
  if (result.big) {
    const { step, seen } = result.big;
    rows.push(
      row(
        `sharded (ROOM_SHARD_SOCKETS=${result.big.shardSockets})`,
        `${options.shardRate} msg/s each, ${options.durationMs / 1000} s`,
        "1",
        step,
        seen.shards,
        seen.onlineCount,
      ),
    );
  }
  for (const run of result.runs) {
    const layout =
      run.shardSockets === undefined ? run.layout : `${run.layout} (ROOM_SHARD_SOCKETS=${run.shardSockets})`;
    const load =
      run.load === "compare"
        ? `${options.rate} msg/s each, ${options.stepDurationMs / 1000} s`
        : `moderate, ${options.durationMs / 1000} s`;
    rows.push(row(layout, load, String(run.pair), run.step, run.seen.shards, run.seen.onlineCount));
  }
  return `${shardsGoals(result, options)}

${HEADER}
${rows.join("\n")}

"Shards" and "Online" are what \`GET /api/rooms/<room>\` said once the room's sockets were open ("-": not
reported, as by a checkout from before shards). "Out of order" counts a message that arrived after a later one
from the same sender, and one whose seq was not above the last seq the same socket got. Server CPU is in cores
over the send window, for the whole server group (wrangler's proxy and workerd, where every object runs on one
thread); CPU µs/delivery is that over delivered messages a second.`;
}
