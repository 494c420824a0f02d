// TCP ports a process listens on, from `ss` (Linux): for reaching workerd past wrangler's proxy.
import { execFileSync } from "node:child_process";

export function listeningPorts(pid: number): number[] {
  const output = execFileSync("ss", ["-ltnpH"], { encoding: "utf8" });
  const ports: number[] = [];
  for (const line of output.split("\n")) {
    if (!line.includes(`pid=${pid},`)) continue;
    const port = Number(/:(\d+)\s/.exec(line)?.[1]);
    if (Number.isInteger(port)) ports.push(port);
  }
  return ports;
}
