// The coordinator's side of the generator processes: spawns them (pinned with taskset),
// deals them the room's sockets interleaved, and gathers their replies.
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { stopGroup } from "../../test/support/dev-server.ts";
import type { Command, Reply } from "./messages.ts";

const GENERATOR = fileURLToPath(new URL("./generator.ts", import.meta.url));

export type GeneratorPool = {
  pids: number[];
  /** Sends a command to every generator (or one built per generator) and waits for each reply. */
  ask: <E extends Reply["ev"]>(
    command: Command | ((index: number) => Command),
    ev: E,
  ) => Promise<Extract<Reply, { ev: E }>[]>;
  stop: () => Promise<void>;
};

export function startGenerators(count: number, cpus: string | undefined): GeneratorPool {
  const children: ChildProcess[] = [];
  for (let i = 0; i < count; i++) {
    const [command, args]: [string, string[]] = cpus
      ? ["taskset", ["-c", cpus, process.execPath, GENERATOR]]
      : [process.execPath, [GENERATOR]];
    const child = spawn(command, args, { stdio: ["ignore", "inherit", "inherit", "ipc"], detached: true });
    child.on("error", (error) => console.error(`load generator: ${error.message}`));
    children.push(child);
  }
  const ask = <E extends Reply["ev"]>(command: Command | ((index: number) => Command), ev: E) =>
    Promise.all(
      children.map(
        (child, index) =>
          new Promise<Extract<Reply, { ev: E }>>((resolve, reject) => {
            const onMessage = (message: Reply) => {
              if (message.ev !== ev) return;
              child.off("message", onMessage);
              child.off("exit", onExit);
              resolve(message as Extract<Reply, { ev: E }>);
            };
            const onExit = (code: number | null) => reject(new Error(`load generator exited with ${code}`));
            if (!child.connected) {
              reject(new Error("load generator is gone"));
              return;
            }
            child.on("message", onMessage);
            child.once("exit", onExit);
            child.send(typeof command === "function" ? command(index) : command);
          }),
      ),
    );
  return {
    pids: children.map((child) => child.pid ?? -1),
    ask,
    stop: async () => {
      await Promise.all(children.map((child) => stopGroup(child)));
    },
  };
}

/** Global socket indices for generator `g` of `count`: interleaved, so each one's sends spread over the period. */
export function shareOf(g: number, count: number, sockets: number): number[] {
  const indices: number[] = [];
  for (let i = g; i < sockets; i += count) indices.push(i);
  return indices;
}
