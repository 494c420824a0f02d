// npm run stalled -- --help
// Issue 8's goal: "10 stalled readers among 50 senders at 2 msg/s of 6 KB leave the
// room's memory bounded and the others' p99 unchanged". Under wrangler dev, honest
// readers send and report `received` like the page; stalled readers read for a
// while, then stop reading their TCP socket but keep pinging. The room should close
// each stalled one (1013 "too far behind") once it is 1 Mi characters behind.
// Compare with `--stalled 0`: the same load without them. `--liars N` adds readers that
// stop reading but claim to have read everything and keep asking for history (catch-up
// from the start, older pages): the room must refuse what they ask beyond their budget.
import { parseArgs } from "node:util";
import { DeliveryTracker, type Totals } from "../bench/load/delivery-tracker.ts";
import { type Histogram, newHistogram, percentile } from "../bench/load/histogram.ts";
import { sampleGroups } from "../bench/proc-stats.ts";
import { LIMITS } from "../src/shared/protocol/index.ts";
import { startDevServer } from "../test/support/dev-server.ts";
import { openReader, type Reader } from "./support/reader.ts";
import { markdownTable, mib, ms, seconds, sleep } from "./support/table.ts";

const HELP = `npm run stalled -- [options]
  --senders N        honest readers, each sending (default 50)
  --stalled N        readers that stop reading (default 10; 0 = the baseline)
  --liars N          readers that stop reading, claim all read and keep asking for history (default 0)
  --rate R           messages a second per sender (default 2)
  --chars N          characters per message, 3-byte UTF-8 but for the id prefix (default 2000: ~6 KB)
  --seconds S        sending time (default 75)
  --stall-after S    when the stalled readers stop reading, after sending starts (default 10)
  --warmup S         sends left out of the latency figures (default 3)
  --runs N           runs, each on a fresh wrangler dev (default 1)
  --no-deflate       do not offer permessage-deflate (browsers do; the default offers it)
  --rss-bound MiB    most the server group's RSS may grow over its idle size (default 512)
  --rss-slack MiB    most it may still grow over the last 20 s of sending (default 64)
  --cpus LIST        pin wrangler dev to these CPUs (taskset)`;

const { values } = parseArgs({
  allowNegative: true,
  options: {
    senders: { type: "string", default: "50" },
    stalled: { type: "string", default: "10" },
    liars: { type: "string", default: "0" },
    rate: { type: "string", default: "2" },
    chars: { type: "string", default: String(LIMITS.textMax) },
    seconds: { type: "string", default: "75" },
    "stall-after": { type: "string", default: "10" },
    warmup: { type: "string", default: "3" },
    runs: { type: "string", default: "1" },
    deflate: { type: "boolean", default: true },
    "rss-bound": { type: "string", default: "512" },
    "rss-slack": { type: "string", default: "64" },
    cpus: { type: "string" },
    help: { type: "boolean", default: false },
  },
});
if (values.help) {
  console.log(HELP);
  process.exit(0);
}
const options = {
  senders: Number(values.senders),
  stalled: Number(values.stalled),
  liars: Number(values.liars),
  rate: Number(values.rate),
  chars: Math.min(LIMITS.textMax, Number(values.chars)),
  sendMs: Number(values.seconds) * 1000,
  stallAfterMs: Number(values["stall-after"]) * 1000,
  warmupMs: Number(values.warmup) * 1000,
  runs: Math.max(1, Number(values.runs)),
  deflate: values.deflate,
  rssBound: Number(values["rss-bound"]) * 2 ** 20,
  rssSlack: Number(values["rss-slack"]) * 2 ** 20,
  cpus: values.cpus,
};
const DRAIN_MS = 15_000;
const RESUME_MS = 20_000;
const CONNECT_CONCURRENCY = 10;
const LATE_WINDOW_MS = 10_000;

// Common CJK characters: 3 bytes each in UTF-8 and about as compressible as text.
const ALPHABET = [
  ..."的一是不了人我在有他这中大来上国个到说们为子和你地出道也时年得就那要下以生会自着去之过家学对可里后小么心多天而能好都然没日于起还发成事只作当想看文",
];
const filler = (length: number) =>
  Array.from({ length }, () => ALPHABET[Math.floor(Math.random() * ALPHABET.length)]).join("");

type RssSample = { at: number; rss: number; cpu: number };
type StalledResult = { name: string; leftAfterMs: number | null; code: number | null; reason: string; chars: number };
type RunResult = {
  idleRss: number;
  peakRss: number;
  finalRss: number;
  lateGrowth: number;
  series: number[];
  serverCores: number;
  clientCores: number;
  before: Histogram;
  after: Histogram;
  totals: Totals;
  expected: number;
  lost: number;
  honestDropped: string[];
  errors: Map<string, number>;
  stalled: StalledResult[];
  onlineAtEnd: number;
  /** Characters each liar had been sent, read after the run. */
  liarChars: number[];
};

async function run(): Promise<RunResult> {
  const server = await startDevServer({
    vars: { CONNECT_RATE_LIMIT: "off" },
    ...(options.cpus ? { cpus: options.cpus } : {}),
  });
  const readers: Reader[] = [];
  const samples: RssSample[] = [];
  let sampler: ReturnType<typeof setInterval> | undefined;
  try {
    const room = `stalled-${Date.now()}`;
    const url = `${server.url.replace(/^http/, "ws")}/api/rooms/${room}/ws`;
    const t0 = performance.now() + 3_000 + (options.senders + options.stalled + options.liars) * 50;
    const stallAt = t0 + options.stallAfterMs;
    const sendEnd = t0 + options.sendMs;
    const window = { recordFrom: t0 + options.warmupMs, end: sendEnd };
    const before = newHistogram();
    const after = newHistogram();
    const totals: Totals = { delivered: 0, duplicated: 0, outOfOrder: 0, inWindow: 0 };
    const errors = new Map<string, number>();
    const leftAt = new Map<string, number>();
    const trackers: DeliveryTracker[] = [];

    // Honest readers: senders, each tracking what the others sent; the first also watches who leaves.
    const onFrameOf = (index: number) => (frame: Record<string, unknown>, at: number) => {
      const frames = frame.type === "batch" && Array.isArray(frame.frames) ? frame.frames : [frame];
      for (const f of frames as Record<string, unknown>[]) {
        if (f.type === "message" && typeof f.text === "string") {
          const meta = f.text.slice(0, f.text.indexOf(" "));
          const sentAt = Number(meta.slice(meta.lastIndexOf(":") + 1));
          trackers[index]?.receive(meta, at, window, totals, sentAt >= stallAt ? after : before);
        } else if (f.type === "error") {
          errors.set(String(f.code), (errors.get(String(f.code)) ?? 0) + 1);
        } else if (index === 0 && f.type === "presence" && f.event === "leave" && typeof f.name === "string") {
          leftAt.set(f.name, at);
        }
      }
    };
    const names = [
      ...Array.from({ length: options.senders }, (_, i) => `sender-${i}`),
      ...Array.from({ length: options.stalled }, (_, i) => `stalled-${i}`),
      ...Array.from({ length: options.liars }, (_, i) => `liar-${i}`),
    ];
    let next = 0;
    const opener = async () => {
      for (let i = next++; i < names.length; i = next++) {
        if (i < options.senders) trackers[i] = new DeliveryTracker(options.senders);
        const name = names[i] as string;
        readers[i] = await openReader({ url, name, deflate: options.deflate, onFrame: onFrameOf(i) });
      }
    };
    await Promise.all(Array.from({ length: CONNECT_CONCURRENCY }, opener));
    const senders = readers.slice(0, options.senders);
    const stalled = readers.slice(options.senders, options.senders + options.stalled);
    const liars = readers.slice(options.senders + options.stalled);

    const clientCpuAtStart = process.cpuUsage();
    sampler = setInterval(() => {
      const group = sampleGroups([server.pid]);
      samples.push({ at: performance.now(), rss: group.rssBytes, cpu: group.cpuSeconds });
    }, 1000);
    await sleep(Math.max(0, t0 - performance.now()));
    const idle = sampleGroups([server.pid]);

    // Sender i sends at t0 + (i/N + k)/rate: every sender at `rate`, staggered evenly.
    const sent = new Array<number>(options.senders).fill(0);
    const dueAt = (j: number) =>
      t0 + (((j % options.senders) / options.senders + Math.floor(j / options.senders)) * 1000) / options.rate;
    const stallTimer = setTimeout(() => {
      for (const reader of stalled) reader.stall();
      for (const reader of liars) reader.lie();
    }, stallAt - performance.now());
    await new Promise<void>((resolve) => {
      let j = 0;
      const tick = () => {
        while (dueAt(j) <= performance.now() && dueAt(j) < sendEnd) {
          const i = j % options.senders;
          const meta = `${i}:${sent[i]}:${performance.now().toFixed(3)}`;
          const text = `${meta} ${filler(options.chars - meta.length - 1)}`;
          senders[i]?.send(JSON.stringify({ type: "send", id: String(sent[i]), text }));
          sent[i] = (sent[i] ?? 0) + 1;
          j++;
        }
        if (dueAt(j) < sendEnd) setTimeout(tick, Math.max(0, dueAt(j) - performance.now()));
        else resolve();
      };
      tick();
    });
    clearTimeout(stallTimer);
    const sendDone = sampleGroups([server.pid]);
    const clientCpu = process.cpuUsage(clientCpuAtStart);

    // Every honest reader should get every other sender's messages.
    const allSent = sent.reduce((a, b) => a + b, 0);
    const expected = senders.reduce((sum, _, i) => sum + allSent - (sent[i] ?? 0), 0);
    const drainDeadline = performance.now() + DRAIN_MS;
    while (totals.delivered < expected && performance.now() < drainDeadline) await sleep(100);
    clearInterval(sampler);
    sampler = undefined;
    const finalRss = sampleGroups([server.pid]).rssBytes;

    // A paused socket cannot see its close: read again, up to the close frame queued behind the backlog.
    for (const reader of stalled) reader.resume();
    const closes = await Promise.all(stalled.map((reader) => reader.closed(RESUME_MS)));
    // What the room had sent each liar, read now: the history it was refused never comes.
    for (const reader of liars) reader.resume();
    await sleep(liars.length > 0 ? 5_000 : 0);
    const liarChars = liars.map((reader) => reader.chars);
    const info = (await (await fetch(`${server.url}/api/rooms/${room}`)).json()) as { onlineCount: number };

    const during = samples.filter((s) => s.at >= t0);
    const lateMean = (from: number, to: number) => {
      const inRange = during.filter((s) => s.at >= sendEnd - from && s.at < sendEnd - to).map((s) => s.rss);
      return inRange.reduce((a, b) => a + b, 0) / Math.max(1, inRange.length);
    };
    return {
      idleRss: idle.rssBytes,
      peakRss: Math.max(idle.rssBytes, ...during.map((s) => s.rss)),
      finalRss,
      lateGrowth: lateMean(LATE_WINDOW_MS, 0) - lateMean(2 * LATE_WINDOW_MS, LATE_WINDOW_MS),
      series: during.filter((_, i) => i % 5 === 4).map((s) => s.rss),
      serverCores: (sendDone.cpuSeconds - idle.cpuSeconds) / (options.sendMs / 1000),
      clientCores: (clientCpu.user + clientCpu.system) / 1e6 / (options.sendMs / 1000),
      before,
      after,
      totals,
      expected,
      lost: trackers.reduce((sum, tracker, i) => sum + tracker.lost(sent, i), 0),
      honestDropped: senders
        .filter((r) => r.close !== null)
        .map((r) => `${r.name} ${r.close?.code} ${r.close?.reason}`),
      errors,
      stalled: stalled.map((reader, i) => {
        const left = leftAt.get(reader.name);
        return {
          name: reader.name,
          leftAfterMs: left === undefined ? null : left - stallAt,
          code: closes[i]?.code ?? null,
          reason: closes[i]?.reason ?? "",
          chars: reader.chars,
        };
      }),
      onlineAtEnd: info.onlineCount,
      liarChars,
    };
  } finally {
    clearInterval(sampler);
    for (const reader of readers) reader?.end();
    await server.stop();
  }
}

/** Closed by the room: its leave was announced, or it found a 1013 once it read again. */
const closedByRoom = (s: StalledResult) => s.leftAfterMs !== null || s.code === 1013;

function verdict(r: RunResult): string[] {
  const problems: string[] = [];
  if (r.peakRss - r.idleRss > options.rssBound) problems.push(`RSS grew ${mib(r.peakRss - r.idleRss)} over idle`);
  if (r.lateGrowth > options.rssSlack) problems.push(`RSS still growing (${mib(r.lateGrowth)} in the last 10 s)`);
  const open = r.stalled.filter((s) => !closedByRoom(s));
  if (open.length > 0) problems.push(`${open.length} stalled reader(s) never closed`);
  if (r.honestDropped.length > 0) problems.push(`honest readers dropped: ${r.honestDropped.slice(0, 3).join("; ")}`);
  return problems;
}

console.log(
  `${options.senders} senders at ${options.rate} msg/s of ${options.chars} characters (~${Math.round((options.chars * 3) / 1024)} KB), ` +
    `${options.stalled} stalled readers and ${options.liars} liars from ${options.stallAfterMs / 1000} s, ${options.sendMs / 1000} s of sending, ` +
    `permessage-deflate ${options.deflate ? "offered" : "off"}, ${options.runs} run(s)`,
);
const rows: (string | number)[][] = [];
let failed = false;
for (let i = 0; i < options.runs; i++) {
  const r = await run();
  const problems = verdict(r);
  failed ||= problems.length > 0;
  const left = r.stalled.map((s) => s.leftAfterMs).filter((v): v is number => v !== null);
  const codes = new Map<string, number>();
  for (const s of r.stalled) {
    const key = s.code === null ? "no close" : `${s.code} ${s.reason}`;
    codes.set(key, (codes.get(key) ?? 0) + 1);
  }
  console.log(`run ${i + 1}: RSS MiB every 5 s: ${r.series.map((b) => (b / 2 ** 20).toFixed(0)).join(" ")}`);
  if (r.liarChars.length > 0) {
    console.log(`run ${i + 1}: liars were sent (characters): ${r.liarChars.join(", ")}`);
  }
  if (r.errors.size > 0) console.log(`run ${i + 1}: error frames: ${[...r.errors].map(([k, v]) => `${k} x${v}`)}`);
  for (const s of r.stalled) {
    console.log(
      `run ${i + 1}: ${s.name}: leave ${s.leftAfterMs === null ? "never announced" : `${seconds(s.leftAfterMs)} s after the stall`}, ` +
        `close ${s.code ?? "-"} ${s.reason}, ${s.chars} chars read`,
    );
  }
  rows.push([
    i + 1,
    `${mib(r.idleRss)} / ${mib(r.peakRss)} / ${mib(r.finalRss)}`,
    `${mib(r.peakRss - r.idleRss)}`,
    `${ms(percentile(r.before, 0.5))} / ${ms(percentile(r.before, 0.99))}`,
    `${ms(percentile(r.after, 0.5))} / ${ms(percentile(r.after, 0.99))} / ${ms(r.after.max)}`,
    `${r.totals.delivered} / ${r.expected} (${r.lost} lost)`,
    options.stalled === 0
      ? "-"
      : `${r.stalled.filter(closedByRoom).length}/${options.stalled} in ${left.length ? `${seconds(Math.min(...left))}-${seconds(Math.max(...left))} s` : "-"}`,
    [...codes].map(([k, v]) => `${v}x ${k}`).join(", ") || "-",
    r.onlineAtEnd,
    `${r.serverCores.toFixed(2)} / ${r.clientCores.toFixed(2)}`,
    problems.length === 0 ? "ok" : `FAIL: ${problems.join("; ")}`,
  ]);
}
console.log(
  `\n${markdownTable(
    [
      "run",
      "RSS idle / peak / final",
      "peak growth",
      "p50 / p99 ms before stall",
      "p50 / p99 / max ms from stall",
      "delivered / expected",
      "stalled closed (after stall)",
      "stalled close seen on resume",
      "online at end",
      "CPU server / client (cores)",
      "verdict",
    ],
    rows,
  )}`,
);
process.exit(failed ? 1 : 0);
