import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const WRANGLER = join(ROOT, "node_modules/wrangler/bin/wrangler.js");
const READY_TIMEOUT_MS = 90_000;
const STOP_TIMEOUT_MS = 10_000;

export type DevServerOptions = {
  /** State folder; reuse it across a restart to keep the rooms' storage. */
  persistTo?: string;
  /** Wrangler config, relative to the project root. */
  config?: string;
  /** Extra `--var KEY:VALUE` pairs. */
  vars?: Record<string, string>;
  /** Pin to these CPUs with taskset (benchmarks). */
  cpus?: string;
  /** Listen on this port (a restart that clients find where they left it); a free one if absent. */
  port?: number;
};

export type DevServer = {
  url: string;
  port: number;
  pid: number;
  persistTo: string;
  logs: () => string;
  stop: () => Promise<void>;
};

// Every group started and not yet stopped. If this process exits first (a
// failed or interrupted run), they go with it rather than outliving it.
const live = new Set<number>();
process.once("exit", () => {
  for (const pid of live) {
    try {
      process.kill(-pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
});

/** A free TCP port on loopback, as the OS hands it out. */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address ? resolvePort(address.port) : reject(new Error("no port")),
      );
    });
  });
}

/**
 * Starts `wrangler dev` on a free port in its own process group and waits until
 * it answers. `stop()` ends the whole group (wrangler, workerd) by its pid.
 */
export async function startDevServer(options: DevServerOptions = {}): Promise<DevServer> {
  const port = options.port ?? (await freePort());
  const inspectorPort = await freePort();
  const persistTo = options.persistTo ?? mkdtempSync(join(tmpdir(), "parley-state-"));
  const args = [
    WRANGLER,
    "dev",
    "--config",
    options.config ?? "wrangler.toml",
    "--ip",
    "127.0.0.1",
    "--port",
    String(port),
    "--inspector-port",
    String(inspectorPort),
    "--persist-to",
    persistTo,
    "--show-interactive-dev-session=false",
    "--log-level",
    "warn",
  ];
  for (const [key, value] of Object.entries(options.vars ?? {})) args.push("--var", `${key}:${value}`);
  const [command, commandArgs] = options.cpus
    ? ["taskset", ["-c", options.cpus, process.execPath, ...args]]
    : [process.execPath, args];
  const child = spawn(command, commandArgs, {
    cwd: ROOT,
    detached: true, // its own process group, so stop() reaches workerd too
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "true", NO_COLOR: "1" },
  });
  if (child.pid !== undefined) live.add(child.pid);
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  const url = `http://127.0.0.1:${port}`;
  const server: DevServer = {
    url,
    port,
    pid: child.pid ?? -1,
    persistTo,
    logs: () => output,
    stop: () => stopGroup(child),
  };
  try {
    await waitUntilAnswering(url, child, () => output);
  } catch (error) {
    await server.stop();
    throw error;
  }
  return server;
}

async function waitUntilAnswering(url: string, child: ChildProcess, logs: () => string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited with ${child.exitCode}:\n${logs()}`);
    try {
      const response = await fetch(`${url}/api/health`, { signal: AbortSignal.timeout(2_000) });
      if (response.ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`wrangler dev did not answer within ${READY_TIMEOUT_MS} ms:\n${logs()}`);
}

/** Ends a detached child's process group: SIGTERM, then SIGKILL if it lingers. */
export async function stopGroup(child: ChildProcess): Promise<void> {
  const pid = child.pid;
  if (pid === undefined) return;
  const signal = (name: NodeJS.Signals) => {
    try {
      process.kill(-pid, name);
    } catch {
      // the group is gone already
    }
  };
  if (child.exitCode !== null || child.signalCode !== null) {
    // wrangler is gone; anything left of its group goes too.
    signal("SIGKILL");
    live.delete(pid);
    return;
  }
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  signal("SIGTERM");
  const timedOut = await Promise.race([
    exited.then(() => false),
    new Promise<boolean>((r) => setTimeout(() => r(true), STOP_TIMEOUT_MS)),
  ]);
  // workerd may outlive wrangler; make sure nothing of the group remains.
  signal("SIGKILL");
  live.delete(pid);
  if (timedOut) await exited;
}
