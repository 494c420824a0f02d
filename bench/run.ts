// `npm run bench`: compares Parley with its baselines under the same loads. See --help.
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { latencyChart } from "./chart.ts";
import { startGenerators } from "./load/generator-pool.ts";
import { HELP, parseBenchArgs } from "./options.ts";
import { collectEnvironment, renderReport, renderShardsReport, summaryTable } from "./report.ts";
import { stopAllServers } from "./servers.ts";
import { runShards, type ShardsResult } from "./shards.ts";
import { shardsGoals } from "./shards-report.ts";
import { runSuite, type ServerResult } from "./suite.ts";
import { runTail, type TailRun } from "./tail.ts";

let options: ReturnType<typeof parseBenchArgs>;
try {
  options = parseBenchArgs(process.argv.slice(2));
} catch (error) {
  console.error(`bench: ${error instanceof Error ? error.message : String(error)}\n\n${HELP}`);
  process.exit(2);
}
if (!options) {
  console.log(HELP);
  process.exit(0);
}

const startedAt = new Date();
const pool = startGenerators(options.generators, options.clientCpus);
const results: ServerResult[] = [];
const tail: TailRun[] = [];
let shards: ShardsResult | undefined;
const stopAll = async () => {
  await Promise.all([pool.stop(), stopAllServers()]);
  process.exit(130);
};
process.once("SIGINT", stopAll);
process.once("SIGTERM", stopAll);
try {
  const suiteLoads = options.loads.filter((load) => load !== "tail" && load !== "shards");
  if (suiteLoads.length > 0) {
    for (const name of options.servers) results.push(await runSuite(name, options, pool));
  }
  if (options.loads.includes("shards")) shards = await runShards(options, pool);
} finally {
  await pool.stop();
}
if (options.loads.includes("tail") && options.servers.includes("parley") && options.servers.includes("socketio")) {
  for (const pinning of options.tailPinning) tail.push(...(await runTail(options, pinning)));
}

const environment = collectEnvironment(options, startedAt);
if (results.length > 0) console.log(`\n${summaryTable(results, options)}`);
if (shards) console.log(`\n${shardsGoals(shards, options)}`);
mkdirSync(dirname(options.out), { recursive: true });
if (results.length > 0) writeFileSync(options.chart, latencyChart(results, options));
writeFileSync(
  options.out,
  results.length === 0 && tail.length === 0 && shards
    ? renderShardsReport(shards, options, environment)
    : renderReport(results, tail, options, environment, shards),
);
console.log(`\nwrote ${options.out}${results.length > 0 ? ` and ${options.chart}` : ""}`);
