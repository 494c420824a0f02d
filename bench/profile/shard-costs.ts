// What each part of a sharded room costs under wrangler dev: a V8 CPU profile of workerd (where the
// room object and its shards share one isolate), each sample given to a part by the source module of
// the frames on its stack, divided by how often that part ran. workerd's inspector has no call counts
// (V8's precise coverage answers "Profiler is not enabled"), so the counts come from the load itself: at
// a rate where every message goes out in a flush of its own (checked: 1.0 messages a frame at the
// clients), one message is one RPC batch to each shard and one forwarded batch from the sender's shard.
// Usage: npm run shard-costs -- [--sockets 400] [--shard-sockets 100] [--rate 0.02] [--duration 20]
//   [--parley-config wrangler.toml] [--deflate] [--out FILE.json]
import { readFileSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { LIMITS } from "../../src/shared/protocol/limits.ts";
import { startGenerators } from "../load/generator-pool.ts";
import { runStep, type StepResult } from "../loads.ts";
import { groupProcesses } from "../proc-stats.ts";
import { startServer } from "../servers.ts";
import { connectInspector, type Inspector } from "./inspector.ts";
import type { CpuProfile } from "./summarize.ts";

const { values } = parseArgs({
  options: {
    sockets: { type: "string", default: "400" },
    "shard-sockets": { type: "string", default: "100" },
    rate: { type: "string", default: "0.02" },
    duration: { type: "string", default: "20" },
    "interval-us": { type: "string", default: "100" },
    "parley-config": { type: "string", default: "wrangler.toml" },
    deflate: { type: "boolean", default: false },
    out: { type: "string" },
  },
});
const sockets = Number(values.sockets);
const shardSockets = Number(values["shard-sockets"]);
const rate = Number(values.rate);
const durationMs = Number(values.duration) * 1000;

type Frame = { functionName: string; scriptId: string; lineNumber: number; url: string };

/** Where each module starts in wrangler's bundle: esbuild heads each one with a `// src/...` comment. */
class BundleMap {
  readonly #starts: { line: number; offset: number; module: string }[] = [];
  constructor(source: string) {
    let offset = 0;
    source.split("\n").forEach((text, line) => {
      const match = /^\/\/ (src\/[\w/.-]+\.ts)$/.exec(text.trim());
      if (match?.[1]) this.#starts.push({ line, offset, module: match[1].replace(/^src\//, "") });
      offset += text.length + 1;
    });
  }
  #find(pick: (s: { line: number; offset: number }) => number, at: number): string {
    let found = "";
    for (const start of this.#starts) {
      if (pick(start) > at) break;
      found = start.module;
    }
    return found;
  }
  moduleAtLine(line: number): string {
    return this.#find((s) => s.line, line);
  }
  moduleAtOffset(offset: number): string {
    return this.#find((s) => s.offset, offset);
  }
}

// A sample's part: the first frame from the stack's root that names one (module, and function where given).
const PARTS: { part: string; module: string; functions?: string[] }[] = [
  { part: "room: shard streams (queue ops, send batches by RPC)", module: "room/shards/remote-sockets.ts" },
  {
    part: "shard: apply the room's batches",
    module: "room/shards/room-shard.ts",
    functions: ["deliver", "#apply", "#inOrder", "#welcomeAt", "#fill"],
  },
  {
    part: "shard: frames from its sockets, forwarded by RPC",
    module: "room/shards/room-shard.ts",
    functions: ["webSocketMessage", "#forward", "#forwardAll", "#reply", "#callRoom"],
  },
  { part: "shard: deliver to its sockets (send)", module: "room/shards/shard-sockets.ts" },
  {
    part: "room: forwarded frames (validate rules, store, seq, ack)",
    module: "room/chat-room.ts",
    functions: ["fromShard"],
  },
  { part: "room: its own sockets' frames", module: "room/chat-room.ts", functions: ["webSocketMessage"] },
  { part: "room: deliver to its own sockets (send)", module: "room/connections.ts", functions: ["send", "#trySend"] },
  { part: "joins and leaves", module: "room/chat-room.ts", functions: ["fetch", "joinRemote", "webSocketClose"] },
  { part: "joins and leaves", module: "room/shards/room-shard.ts", functions: ["fetch", "webSocketClose"] },
  { part: "fan-out flush (shared code: split below)", module: "room/fanout.ts" },
  { part: "fan-out flush (shared code: split below)", module: "room/flush-payloads.ts" },
];
const UNSPLIT = "fan-out flush (shared code: split below)";

function partsOf(profile: CpuProfile, bundles: Map<string, BundleMap>): Map<string, number> {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const partOfNode = new Map<number, string>();
  const nameOf = (id: number): string => {
    const cached = partOfNode.get(id);
    if (cached) return cached;
    const chain: Frame[] = [];
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at)?.callFrame as Frame | undefined;
      if (frame) chain.unshift(frame);
    }
    // The shared fan-out code counts only when no part of its own is on the stack (the room's flush
    // calls its shard streams through the relay hook; each flush calls its owner's send).
    const matches = chain.map((frame) => {
      const module = bundles.get(frame.scriptId)?.moduleAtLine(frame.lineNumber) ?? "";
      return PARTS.find((p) => p.module === module && (!p.functions || p.functions.includes(frame.functionName)))?.part;
    });
    const part = matches.find((m) => m !== undefined && m !== UNSPLIT) ?? matches.find((m) => m !== undefined);
    const leaf = chain.at(-1)?.functionName ?? "";
    const named = part ?? (leaf.startsWith("(") ? leaf : "other JS (worker, runtime glue)");
    partOfNode.set(id, named);
    return named;
  };
  const ms = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const dt = (profile.timeDeltas[i + 1] ?? profile.timeDeltas[i] ?? 0) / 1000;
    const part = nameOf(id);
    ms.set(part, (ms.get(part) ?? 0) + dt);
    // What each part spends its time in: the sample's own function.
    const leaf = (byId.get(id)?.callFrame as Frame | undefined)?.functionName || "(anonymous)";
    const leaves = leavesOf.get(part) ?? new Map<string, number>();
    leaves.set(leaf, (leaves.get(leaf) ?? 0) + dt);
    leavesOf.set(part, leaves);
  });
  return ms;
}

/** Self time by function within each part, from the last profile split. */
const leavesOf = new Map<string, Map<string, number>>();

async function bundlesOf(inspector: Inspector, scriptIds: Iterable<string>): Promise<Map<string, BundleMap>> {
  const bundles = new Map<string, BundleMap>();
  await inspector.call("Debugger.enable");
  for (const scriptId of new Set(scriptIds)) {
    try {
      const { scriptSource } = await inspector.call<{ scriptSource: string }>("Debugger.getScriptSource", { scriptId });
      if (scriptSource.includes("// src/room/")) bundles.set(scriptId, new BundleMap(scriptSource));
    } catch {
      // not a script of ours
    }
  }
  await inspector.call("Debugger.disable");
  return bundles;
}

const server = await startServer("parley", {
  cpus: "0",
  parleyConfig: values["parley-config"],
  vars: { ROOM_SHARD_SOCKETS: String(shardSockets) },
});
const pool = startGenerators(1, "1");
try {
  const processes = groupProcesses(server.group);
  const wrangler = processes.find((p) => p.command.includes("--inspector-port"));
  const inspectorPort = Number(wrangler?.command[wrangler.command.indexOf("--inspector-port") + 1]);
  const inspector = await connectInspector(inspectorPort);
  const step = (duration: number, onConnected?: () => Promise<void>) =>
    runStep(server, pool, {
      sockets,
      rate,
      durationMs: duration,
      warmupMs: 1000,
      drainMs: 5000,
      concurrency: 50,
      deflate: values.deflate,
      ...(onConnected ? { onConnected } : {}),
    });
  const line = (label: string, s: StepResult) =>
    console.log(
      `${label}: ${Math.round(s.deliveredPerSec)}/${Math.round(s.offeredPerSec)} msg/s delivered/offered, sent ${s.sent}, refused ${s.refused}, lost ${s.lost} dup ${s.duplicated} ooo ${s.outOfOrder}/${s.seqOutOfOrder}, p50 ${s.p50.toFixed(1)} p99 ${s.p99.toFixed(1)} ms, server CPU ${s.serverCpu.toFixed(2)}`,
    );
  line("warm-up", await step(4000));

  // Times: a sampling profile of the same load in a fresh room.
  await inspector.call("Profiler.enable");
  await inspector.call("Profiler.setSamplingInterval", { interval: Number(values["interval-us"]) });
  // The profile's clock is wall time: a thread taken off the core (which wrangler's proxy shares) still
  // counts. workerd's own CPU time over the same window scales each part back to CPU.
  const workerd = processes.filter((p) => p.command[0]?.includes("workerd")).map((p) => p.pid);
  let profileFrom = 0;
  let workerdCpuFrom = 0;
  const profiled = await step(durationMs, async () => {
    await inspector.call("Profiler.start");
    profileFrom = performance.now();
    workerdCpuFrom = processCpu(workerd);
  });
  const { profile } = await inspector.call<{ profile: CpuProfile }>("Profiler.stop");
  const workerdCpu = processCpu(workerd) - workerdCpuFrom;
  const profileSeconds = (performance.now() - profileFrom) / 1000;
  line("profiled", profiled);
  const bundles = await bundlesOf(
    inspector,
    profile.nodes.map((n) => (n.callFrame as Frame).scriptId),
  );
  inspector.close();
  if (bundles.size === 0) throw new Error("no bundle with `// src/room/` module comments found in the inspector");

  const sampled = partsOf(profile, bundles);
  const busyMs = [...sampled].filter(([part]) => part !== "(idle)").reduce((sum, [, ms]) => sum + ms, 0);
  const cpuScale = workerd.length > 0 && busyMs > 0 ? Math.min(1, (workerdCpu * 1000) / busyMs) : 1;
  console.log(
    `workerd used ${workerdCpu.toFixed(1)} CPU-s while the profile counted ${(busyMs / 1000).toFixed(1)} s busy: parts scaled by ${cpuScale.toFixed(2)}`,
  );
  const parts = new Map([...sampled].map(([part, ms]) => [part, part === "(idle)" ? ms : ms * cpuScale]));
  // The shared flush code, split between the room's and the shards' by their own send time.
  const shardSend = parts.get("shard: deliver to its sockets (send)") ?? 0;
  const roomSend = parts.get("room: deliver to its own sockets (send)") ?? 0;
  const shardShare = shardSend + roomSend > 0 ? shardSend / (shardSend + roomSend) : 0;

  const perSecond = (n: number, seconds: number) => n / seconds;
  const onShards = Math.max(0, sockets - shardSockets);
  // Deliveries over each window: every stored message reaches every other socket (nothing was lost).
  const deliveries = (s: StepResult) => (s.sent - s.refused) * (s.sockets - 1);
  const shardDeliveriesPerSec = perSecond((deliveries(profiled) * onShards) / sockets, profileSeconds);
  const roomDeliveriesPerSec = perSecond(
    (deliveries(profiled) * Math.min(sockets, shardSockets)) / sockets,
    profileSeconds,
  );
  const msPerSec = (part: string) => perSecond(parts.get(part) ?? 0, profileSeconds);
  const us = (msPerSecond: number, perSecondCount: number) =>
    perSecondCount > 0 ? (msPerSecond * 1000) / perSecondCount : NaN;

  console.log(
    `\n${sockets} sockets, ROOM_SHARD_SOCKETS=${shardSockets} (${Math.ceil(onShards / shardSockets)} shard objects), ${rate} msg/s each`,
  );
  console.log(`\nCPU ms a second (sampling profile, ${profileSeconds.toFixed(1)} s), by part:`);
  for (const [part, ms] of [...parts].sort((a, b) => b[1] - a[1])) {
    console.log(`  ${perSecond(ms, profileSeconds).toFixed(1).padStart(8)}  ${part}`);
    const top = [...(leavesOf.get(part) ?? [])].sort((a, b) => b[1] - a[1]).slice(0, 4);
    if (!part.startsWith("("))
      console.log(
        `            ${top.map(([fn, t]) => `${fn} ${((100 * t * (part === "(idle)" ? 1 : cpuScale)) / ms).toFixed(0)}%`).join(", ")}`,
      );
  }

  // Counts from the load: each stored message one flush, so one batch to each shard; the sender's shard
  // forwards it alone; a shard's sockets each report \`received\` every few seconds (the bench's clients, like the page).
  const shards = Math.ceil(onShards / shardSockets);
  const stored = perSecond(profiled.sent - profiled.refused, profileSeconds);
  const batches = stored * shards;
  const forwarded = (stored * onShards) / sockets;
  const shardFrames = forwarded + (onShards * 1000) / LIMITS.receivedReportMs;
  const costs = {
    sockets,
    shardSockets,
    rate,
    deliveredPerSec: profiled.deliveredPerSec,
    shardDeliveryUs: us(
      msPerSec("shard: deliver to its sockets (send)") + shardShare * msPerSec(UNSPLIT),
      shardDeliveriesPerSec,
    ),
    roomDeliveryUs: us(
      msPerSec("room: deliver to its own sockets (send)") + (1 - shardShare) * msPerSec(UNSPLIT),
      roomDeliveriesPerSec,
    ),
    roomPerBatchUs: us(msPerSec("room: shard streams (queue ops, send batches by RPC)"), batches),
    shardPerBatchUs: us(msPerSec("shard: apply the room's batches"), batches),
    shardPerFrameUs: us(msPerSec("shard: frames from its sockets, forwarded by RPC"), shardFrames),
    framesPerForward: shardFrames / Math.max(1e-9, forwarded),
    roomPerForwardedMessageUs: us(msPerSec("room: forwarded frames (validate rules, store, seq, ack)"), stored),
    batchesPerSec: batches,
    forwardedPerSec: forwarded,
    storedPerSec: stored,
    messagesPerFrame: profiled.messagesPerFrame,
    cpuScale,
    partsMsPerSec: Object.fromEntries([...parts].map(([k, v]) => [k, perSecond(v, profileSeconds)])),
    profileSeconds,
  };
  console.log(
    `\nper unit (µs of workerd's JS thread); counts assume one flush a message: ${profiled.messagesPerFrame.toFixed(2)} messages a frame at the clients${profiled.messagesPerFrame > 1.05 ? " (MORE THAN ONE: per-batch figures are too high)" : ""}`,
  );
  console.log(
    `  ${costs.shardDeliveryUs.toFixed(2).padStart(8)}  a delivery on a shard (its send, and its share of the flush)`,
  );
  console.log(
    `  ${costs.roomDeliveryUs.toFixed(2).padStart(8)}  a delivery on the room object's own sockets, likewise`,
  );
  console.log(
    `  ${costs.roomPerBatchUs.toFixed(1).padStart(8)}  a batch to one shard, at the room (queue its ops, make the RPC call)`,
  );
  console.log(
    `  ${costs.shardPerBatchUs.toFixed(1).padStart(8)}  a batch, at the shard (take the call, check seqs, queue the ops)`,
  );
  console.log(
    `  ${costs.shardPerFrameUs.toFixed(1).padStart(8)}  a frame from a shard's socket, at the shard (check, forward); ${costs.framesPerForward.toFixed(1)} frames a forwarded batch`,
  );
  console.log(
    `  ${costs.roomPerForwardedMessageUs.toFixed(1).padStart(8)}  a forwarded message, at the room (dispatch, store, seq, ack), per message stored`,
  );
  if (values.out) {
    writeFileSync(values.out, JSON.stringify(costs, null, 2));
    console.log(`\nwrote ${values.out}`);
  }
} finally {
  await pool.stop();
  await server.stop();
}

/** CPU seconds (user + system) used so far by these processes (Linux /proc; USER_HZ 100). */
function processCpu(pids: number[]): number {
  let total = 0;
  for (const pid of pids) {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
      total += (Number(fields[11]) + Number(fields[12])) / 100;
    } catch {
      // exited
    }
  }
  return total;
}
