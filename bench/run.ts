// `npm run bench`: compares Parley with its baselines under the same loads. See --help.
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { latencyChart } from "./chart.ts";
import { startGenerators } from "./load/generator-pool.ts";
import { HELP, parseBenchArgs } from "./options.ts";
import { collectEnvironment, renderReport, summaryTable } from "./report.ts";
import { stopAllServers } from "./servers.ts";
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
const stopAll = async () => {
  await Promise.all([pool.stop(), stopAllServers()]);
  process.exit(130);
};
process.once("SIGINT", stopAll);
process.once("SIGTERM", stopAll);
try {
  const suiteLoads = options.loads.filter((load) => load !== "tail");
  if (suiteLoads.length > 0) {
    for (const name of options.servers) results.push(await runSuite(name, options, pool));
  }
} finally {
  await pool.stop();
}
if (options.loads.includes("tail") && options.servers.includes("parley") && options.servers.includes("socketio")) {
  for (const pinning of options.tailPinning) tail.push(...(await runTail(options, pinning)));
}

const environment = collectEnvironment(options, startedAt);
console.log(`\n${summaryTable(results, options)}`);
mkdirSync(dirname(options.out), { recursive: true });
writeFileSync(options.chart, latencyChart(results, options));
writeFileSync(options.out, renderReport(results, tail, options, environment));
console.log(`\nwrote ${options.out} and ${options.chart}`);
