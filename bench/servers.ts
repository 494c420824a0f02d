// Starting and stopping each server the bench compares, pinned to the server CPUs.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { freePort, startDevServer, stopGroup } from "../test/support/dev-server.ts";
import type { Protocol } from "./load/messages.ts";

export const SERVER_NAMES = ["parley", "socketio", "ws", "floor"] as const;
export type ServerName = (typeof SERVER_NAMES)[number];

export const SERVER_LABELS: Record<ServerName, string> = {
  parley: "Parley (wrangler dev, full protocol)",
  socketio: "Express + Socket.io",
  ws: "bare ws (Node)",
  floor: "broadcast-only DO (wrangler dev)",
};

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
  /** Parley's storage folder (default: a fresh temporary one). */
  persistTo?: string;
};

async function launch(name: ServerName, placement: ServerPlacement): Promise<BenchServer> {
  const cpus = placement.cpus ? { cpus: placement.cpus } : {};
  switch (name) {
    case "parley": {
      // Every bench socket comes from 127.0.0.1: lift the per-IP connection limit and the per-address share of a room.
      const vars = { CONNECT_RATE_LIMIT: "off", ROOM_SOCKET_LIMIT: "20000", ROOM_SOCKETS_PER_ADDRESS: "10000" };
      const storage = placement.persistTo ? { persistTo: placement.persistTo } : {};
      const dev = await startDevServer({ ...cpus, ...storage, config: placement.parleyConfig, vars });
      return { name, protocol: name, url: dev.url, group: dev.pid, stop: dev.stop };
    }
    case "floor": {
      const dev = await startDevServer({ ...cpus, config: "bench/floor/wrangler.toml" });
      return { name, protocol: name, url: dev.url, group: dev.pid, stop: dev.stop };
    }
    case "socketio":
    case "ws":
      return startNodeBaseline(name, placement.cpus);
  }
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
