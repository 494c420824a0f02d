// Starting and stopping each server the bench compares, pinned to the server CPUs.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { freePort, startDevServer, stopGroup } from "../test/support/dev-server.ts";
import type { Protocol } from "./load/messages.ts";

export const SERVER_NAMES = [
  "parley",
  "socketio",
  "ws",
  "floor",
  "floorapp",
  "chatdemo",
  "partyserver",
  "before",
] as const;
export type ServerName = (typeof SERVER_NAMES)[number];
/** Run by default; `before` only with --before-config. */
export const DEFAULT_SERVERS: ServerName[] = SERVER_NAMES.filter((name) => name !== "before");

export const SERVER_LABELS: Record<ServerName, string> = {
  parley: "Parley (wrangler dev, full protocol)",
  socketio: "Express + Socket.io",
  ws: "bare ws (Node)",
  floor: "broadcast-only DO (wrangler dev)",
  floorapp: "broadcast-only DO behind assets, greeting each socket (wrangler dev)",
  chatdemo: "workers-chat-demo design (wrangler dev)",
  partyserver: "partyserver chat (wrangler dev)",
  before: "Parley, another checkout (--before-config)",
};

/** Servers that run on workerd: the client's deflate offer matters to them (the Node ones decline it). */
export const NEGOTIATES_DEFLATE: ReadonlySet<ServerName> = new Set([
  "parley",
  "floor",
  "floorapp",
  "chatdemo",
  "partyserver",
  "before",
]);

export type BenchServer = {
  name: ServerName;
  protocol: Protocol;
  url: string;
  /** Process group holding every process of the server (wrangler + workerd, or node). */
  group: number;
  stop: () => Promise<void>;
};

const READY_TIMEOUT_MS = 30_000;
const running = new Set<BenchServer>();

/** Stops every server still running (on Ctrl-C). */
export async function stopAllServers(): Promise<void> {
  await Promise.all([...running].map((server) => server.stop()));
}

export async function startServer(name: ServerName, placement: ServerPlacement): Promise<BenchServer> {
  const server = await launch(name, placement);
  running.add(server);
  return {
    ...server,
    stop: async () => {
      running.delete(server);
      await server.stop();
    },
  };
}

export type ServerPlacement = {
  /** taskset CPU list for the server's processes. */
  cpus: string | undefined;
  /** Parley's wrangler config: another checkout's, to compare versions. */
  parleyConfig: string;
  /** The config of the version `before` runs. */
  beforeConfig?: string;
  /** Parley's storage folder (default: a fresh temporary one). */
  persistTo?: string;
  /** Parley only: more \`--var\`s for wrangler dev (e.g. ROOM_SHARD_SOCKETS for the shards load). */
  vars?: Record<string, string>;
};

const WRANGLER_CONFIGS = {
  floor: "bench/floor/wrangler.toml",
  floorapp: "bench/floor/wrangler.app.toml",
  chatdemo: "bench/peers/chat-demo/wrangler.toml",
  partyserver: "bench/peers/partyserver-chat/wrangler.toml",
} as const;

async function launch(name: ServerName, placement: ServerPlacement): Promise<BenchServer> {
  switch (name) {
    case "parley":
    case "before": {
      // Every bench socket comes from 127.0.0.1: lift the per-IP connection limit and the per-address share of a room.
      const vars = {
        CONNECT_RATE_LIMIT: "off",
        ROOM_SOCKET_LIMIT: "20000",
        ROOM_SOCKETS_PER_ADDRESS: "10000",
        ...placement.vars,
      };
      const config = name === "parley" ? placement.parleyConfig : placement.beforeConfig;
      if (!config) throw new Error("the server `before` needs --before-config");
      return startWrangler(name, "parley", config, placement, vars);
    }
    case "floor":
    case "floorapp":
      return startWrangler(name, "floor", WRANGLER_CONFIGS[name], placement);
    case "chatdemo":
    case "partyserver":
      return startWrangler(name, name, WRANGLER_CONFIGS[name], placement);
    case "socketio":
    case "ws":
      return startNodeBaseline(name, placement.cpus);
  }
}

// Storage on tmpfs (a dev-only setting): the durable write's disk sync is not what the bench compares.
const SHM = "/dev/shm";

async function startWrangler(
  name: ServerName,
  protocol: Protocol,
  config: string,
  placement: ServerPlacement,
  vars?: Record<string, string>,
): Promise<BenchServer> {
  const ownState = placement.persistTo === undefined && existsSync(SHM);
  const persistTo = placement.persistTo ?? (ownState ? mkdtempSync(`${SHM}/parley-bench-`) : undefined);
  const dev = await startDevServer({
    ...(placement.cpus ? { cpus: placement.cpus } : {}),
    ...(persistTo ? { persistTo } : {}),
    ...(vars ? { vars } : {}),
    config,
  });
  const stop = async () => {
    await dev.stop();
    if (ownState) rmSync(dev.persistTo, { recursive: true, force: true });
  };
  return { name, protocol, url: dev.url, group: dev.pid, stop };
}

async function startNodeBaseline(name: "socketio" | "ws", cpus: string | undefined): Promise<BenchServer> {
  const script = fileURLToPath(new URL(`./baselines/${name}-server.ts`, import.meta.url));
  const port = await freePort();
  const node = [process.execPath, script, String(port)];
  const [command, args]: [string, string[]] = cpus
    ? ["taskset", ["-c", cpus, ...node]]
    : [process.execPath, node.slice(1)];
  const child = spawn(command, args, { detached: true, stdio: ["ignore", "pipe", "inherit"] });
  const stop = () => stopGroup(child);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} server did not start`)), READY_TIMEOUT_MS);
    child.stdout?.on("data", (chunk: Buffer) => {
      if (chunk.toString().includes("ready")) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} server exited with ${code}`));
    });
  }).catch(async (error: unknown) => {
    await stop();
    throw error;
  });
  return { name, protocol: name, url: `http://127.0.0.1:${port}`, group: child.pid ?? -1, stop };
}
