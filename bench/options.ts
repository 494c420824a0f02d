// Command-line options of `npm run bench`, parsed with node:util parseArgs.
import { parseArgs } from "node:util";
import { DEFAULT_SERVERS, SERVER_NAMES, type ServerName } from "./servers.ts";

export const LOAD_NAMES = ["moderate", "saturation", "crowd", "join", "idle", "tail", "overload", "shards"] as const;
export type LoadName = (typeof LOAD_NAMES)[number];
/** Run when --loads is not given: all but shards (it starts servers of its own, with its own settings). */
export const DEFAULT_LOADS: LoadName[] = LOAD_NAMES.filter((load) => load !== "shards");

export const DEFLATE_MODES = ["on", "off"] as const;
export type DeflateMode = (typeof DEFLATE_MODES)[number];
export const PINNINGS = ["pinned", "unpinned"] as const;
export type Pinning = (typeof PINNINGS)[number];

export type BenchOptions = {
  servers: ServerName[];
  loads: LoadName[];
  /** Whether clients offer permessage-deflate; each mode runs the loads again. */
  deflate: DeflateMode[];
  rate: number;
  moderateSockets: number;
  durationMs: number;
  steps: number[];
  stepDurationMs: number;
  p99LimitMs: number;
  idleSockets: number;
  crowdSockets: number;
  joinSockets: number;
  joinBudgetMs: number;
  pairs: number;
  overloadRuns: number;
  overloadSockets: number[];
  tailPinning: Pinning[];
  /** The shards load: ROOM_SHARD_SOCKETS of its big room, its size and each socket's rate. */
  shardSockets: number;
  shardRoom: number;
  shardRate: number;
  /** The shards load: room size compared on one object and on two (ROOM_SHARD_SOCKETS half of it), and repeats. */
  shardCompare: number;
  shardPairs: number;
  warmupMs: number;
  drainMs: number;
  generators: number;
  concurrency: number;
  serverCpus: string | undefined;
  clientCpus: string | undefined;
  parleyConfig: string;
  beforeConfig: string | undefined;
  out: string;
  chart: string;
  /** The arguments the bench ran with, for the report. */
  argv: string[];
};

export const HELP = `npm run bench -- [options]

Starts each server, runs the same loads against each, stops it, prints a table and
writes a report (markdown) and a latency chart (SVG).

Servers (--servers, comma-separated; default all but before):
  parley       Parley under wrangler dev: full protocol (validation, SQLite, acks)
  socketio     Express + Socket.io broadcasting to the room's other sockets
  ws           a bare ws broadcast server on Node
  floor        a raw hibernatable Durable Object that only broadcasts, under wrangler dev
  floorapp     the same behind an assets folder with the worker first, greeting each socket
               with one line: Parley's routing and first frame (moderate, join, idle only)
  chatdemo     a workers-chat-demo-style room (echo, a storage write per message)
  partyserver  partyserver's chat (hibernate: true, SQLite insert, broadcast but the sender)
  before       Parley from another checkout (--before-config; added when that is given):
               crowd, overload, join and tail only
Servers on wrangler dev keep their state on /dev/shm (tmpfs) when it exists.

Loads (--loads, comma-separated; default all but shards). Every socket sends --rate msg/s,
the senders staggered evenly over each period:
  moderate    --moderate-sockets sockets for --duration s: delivery latency p50/p99/max
  saturation  room sizes --steps, --step-duration s each, until delivered msg/s
              stop rising: peak msg/s and the size where p99 passes --p99-limit
              (first --deflate mode only)
  crowd       one step of --crowd-sockets sockets in every --deflate mode
  join        --join-sockets sockets opened one after another into one room, each
              waiting only for its open (at most --join-budget s)
  idle        --idle-sockets connected sockets: server RSS (all its processes) per socket
  tail        --pairs interleaved runs of the moderate load, Parley then Socket.io then
              Parley offering deflate (and before, if given), --tail-pinning each
  overload    Parley (and before) only: --overload-runs runs, each on a fresh server, of
              room sizes --overload-sockets (above capacity), --step-duration s each, then
              the moderate room size at once: steadiness, p99, refusals, fairness, deliveries
              second by second, and whether the next load connects normally
              (first --deflate mode only)
  shards      Parley only, on servers of its own: --shard-room sockets in one room with
              ROOM_SHARD_SOCKETS=--shard-sockets, at --shard-rate msg/s each (exactly once, in seq
              order); then --shard-pairs interleaved repeats of --shard-compare sockets at --rate
              on one object (default settings) and on two (ROOM_SHARD_SOCKETS half of it), for
              --step-duration s, and of the moderate load; with --before-config, the earlier
              checkout runs both too (rooms below one shard, before and now). Not in the default set.
Every load counts lost, duplicated and out-of-order deliveries, sockets the server
closed, and bytes on the wire per delivered message. Servers on Node decline deflate,
so they run each load once, with the offer on.

Options:
  --servers LIST          servers to compare                      [parley,socketio,ws,floor,floorapp,chatdemo,partyserver]
  --loads LIST            loads to run                            [all but shards]
  --deflate LIST          clients offer permessage-deflate: on, off [on,off]
  --rate N                messages per second per socket          [2]
  --moderate-sockets N    room size of the moderate load          [50]
  --duration S            moderate load duration, seconds         [10]
  --steps LIST            saturation room sizes                   [100,200,400,800]
  --crowd-sockets N       room size of the crowd load             [400]
  --join-sockets N        sockets of the join load                [1000]
  --join-budget S         stop opening join sockets after         [20]
  --pairs N               interleaved repeats of the tail load    [3]
  --tail-pinning LIST     pinned, unpinned                        [pinned,unpinned]
  --overload-runs N       runs of the overload load               [5]
  --overload-sockets LIST its room sizes, one after another         [400,800]
  --step-duration S       seconds per saturation step             [5]
  --shard-sockets N       ROOM_SHARD_SOCKETS of the shards load's big room [500]
  --shard-room N          sockets in the shards load's big room   [2000]
  --shard-rate N          messages per second per socket there    [0.02]
  --shard-compare N       room size on one object against two     [400]
  --shard-pairs N         interleaved repeats of that comparison  [3]
  --p99-limit MS          latency limit reported by saturation    [100]
  --idle-sockets N        sockets for the idle memory load        [1000]
  --warmup S              seconds of sends left out of latency    [1]
  --drain S               seconds to wait for late deliveries     [5]
  --generators N          load generator processes                [1]
  --concurrency N         sockets opening at once                 [50]
  --server-cpus LIST      taskset CPUs for the servers            [0]
  --client-cpus LIST      taskset CPUs for the load generators    [1]
  --no-pin                do not pin anything with taskset
  --parley-config FILE    Parley's wrangler config (another checkout) [wrangler.toml]
  --before-config FILE    wrangler config of an earlier Parley checkout, run as "before"
  --out FILE              markdown report                         [docs/benchmarks.md]
  --chart FILE            SVG chart                               [next to --out, -latency.svg]
  --quick                 a tiny load (4 sockets, 2 s, steps 4,8; crowd 8, join and idle 20,
                          1 pair, overload 1 run of 8,16; shards 12 in a room of shards of 4,
                          8 on one object against two, 1 pair) for tests
  -h, --help              this text
`;

const list = (value: string) =>
  value
    .split(",")
    .map((item) => item.trim())
    .filter(Boolean);
const seconds = (value: string) => Math.round(Number(value) * 1000);

function pick<T extends string>(value: string, allowed: readonly T[], what: string): T[] {
  const items = list(value);
  for (const item of items) {
    if (!allowed.includes(item as T)) throw new Error(`unknown ${what} "${item}"; one of ${allowed.join(", ")}`);
  }
  return items as T[];
}

function positive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number`);
  return value;
}

/** Parses argv; returns null when help was asked for. Throws with a message on bad input. */
export function parseBenchArgs(argv: string[]): BenchOptions | null {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      servers: { type: "string" },
      loads: { type: "string", default: DEFAULT_LOADS.join(",") },
      deflate: { type: "string", default: DEFLATE_MODES.join(",") },
      "crowd-sockets": { type: "string" },
      "join-sockets": { type: "string" },
      "join-budget": { type: "string", default: "20" },
      pairs: { type: "string" },
      "overload-runs": { type: "string" },
      "overload-sockets": { type: "string" },
      "tail-pinning": { type: "string", default: PINNINGS.join(",") },
      "shard-sockets": { type: "string" },
      "shard-room": { type: "string" },
      "shard-rate": { type: "string" },
      "shard-compare": { type: "string" },
      "shard-pairs": { type: "string" },
      "before-config": { type: "string" },
      rate: { type: "string", default: "2" },
      "moderate-sockets": { type: "string" },
      duration: { type: "string" },
      steps: { type: "string" },
      "step-duration": { type: "string" },
      "p99-limit": { type: "string", default: "100" },
      "idle-sockets": { type: "string" },
      warmup: { type: "string" },
      drain: { type: "string", default: "5" },
      generators: { type: "string", default: "1" },
      concurrency: { type: "string", default: "50" },
      "server-cpus": { type: "string", default: "0" },
      "client-cpus": { type: "string", default: "1" },
      "no-pin": { type: "boolean", default: false },
      "parley-config": { type: "string", default: "wrangler.toml" },
      out: { type: "string", default: "docs/benchmarks.md" },
      chart: { type: "string" },
      quick: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) return null;
  const quick = values.quick;
  const out = values.out;
  const beforeConfig = values["before-config"];
  const defaultServers = beforeConfig ? [...DEFAULT_SERVERS, "before"] : DEFAULT_SERVERS;
  const servers = pick(values.servers ?? defaultServers.join(","), SERVER_NAMES, "server");
  if (servers.includes("before") && !beforeConfig) throw new Error("the server before needs --before-config");
  return {
    servers,
    loads: pick(values.loads, LOAD_NAMES, "load"),
    deflate: pick(values.deflate, DEFLATE_MODES, "deflate mode"),
    rate: positive("rate", Number(values.rate)),
    moderateSockets: positive("moderate-sockets", Number(values["moderate-sockets"] ?? (quick ? 4 : 50))),
    durationMs: positive("duration", seconds(values.duration ?? (quick ? "2" : "10"))),
    steps: list(values.steps ?? (quick ? "4,8" : "100,200,400,800")).map((s) => positive("steps", Number(s))),
    stepDurationMs: positive("step-duration", seconds(values["step-duration"] ?? (quick ? "1" : "5"))),
    p99LimitMs: positive("p99-limit", Number(values["p99-limit"])),
    idleSockets: positive("idle-sockets", Number(values["idle-sockets"] ?? (quick ? 20 : 1000))),
    crowdSockets: positive("crowd-sockets", Number(values["crowd-sockets"] ?? (quick ? 8 : 400))),
    joinSockets: positive("join-sockets", Number(values["join-sockets"] ?? (quick ? 20 : 1000))),
    joinBudgetMs: positive("join-budget", seconds(values["join-budget"])),
    pairs: positive("pairs", Number(values.pairs ?? (quick ? 1 : 3))),
    overloadRuns: positive("overload-runs", Number(values["overload-runs"] ?? (quick ? 1 : 5))),
    overloadSockets: list(values["overload-sockets"] ?? (quick ? "8,16" : "400,800")).map((s) =>
      positive("overload-sockets", Number(s)),
    ),
    tailPinning: pick(values["tail-pinning"], PINNINGS, "pinning"),
    shardSockets: positive("shard-sockets", Number(values["shard-sockets"] ?? (quick ? 4 : 500))),
    shardRoom: positive("shard-room", Number(values["shard-room"] ?? (quick ? 12 : 2000))),
    shardRate: positive("shard-rate", Number(values["shard-rate"] ?? (quick ? 1 : 0.02))),
    shardCompare: positive("shard-compare", Number(values["shard-compare"] ?? (quick ? 8 : 400))),
    shardPairs: positive("shard-pairs", Number(values["shard-pairs"] ?? (quick ? 1 : 3))),
    warmupMs: seconds(values.warmup ?? (quick ? "0" : "1")),
    drainMs: positive("drain", seconds(values.drain)),
    generators: positive("generators", Number(values.generators)),
    concurrency: positive("concurrency", Number(values.concurrency)),
    serverCpus: values["no-pin"] ? undefined : values["server-cpus"],
    clientCpus: values["no-pin"] ? undefined : values["client-cpus"],
    parleyConfig: values["parley-config"],
    beforeConfig,
    out,
    argv,
    chart: values.chart ?? out.replace(/(\.md)?$/, "-latency.svg"),
  };
}
