// CPU time and resident memory of whole process groups, read from /proc (Linux only).
import { readdirSync, readFileSync } from "node:fs";

// USER_HZ: the unit of utime/stime in /proc/<pid>/stat; 100 on every Linux we run.
const TICKS_PER_SECOND = 100;

export type GroupSample = { cpuSeconds: number; rssBytes: number; processes: number };

/** Sums CPU seconds (user + system, including reaped children) and RSS over processes in these groups. */
export function sampleGroups(groups: number[]): GroupSample {
  const wanted = new Set(groups);
  const sample: GroupSample = { cpuSeconds: 0, rssBytes: 0, processes: 0 };
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    let status: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      status = readFileSync(`/proc/${entry}/status`, "utf8");
    } catch {
      continue; // exited meanwhile
    }
    // Fields after the command name, which may hold spaces: state is field 3.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const pgrp = Number(fields[2]);
    if (!wanted.has(pgrp)) continue;
    const [utime, stime, cutime, cstime] = [11, 12, 13, 14].map((i) => Number(fields[i]));
    sample.cpuSeconds += ((utime ?? 0) + (stime ?? 0) + (cutime ?? 0) + (cstime ?? 0)) / TICKS_PER_SECOND;
    const rss = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
    sample.rssBytes += Number(rss ?? 0) * 1024;
    sample.processes++;
  }
  return sample;
}

/** Processes in a group with their command lines: for finding workerd under wrangler. */
export function groupProcesses(group: number): { pid: number; command: string[] }[] {
  const found: { pid: number; command: string[] }[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      if (Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[2]) !== group) continue;
      const command = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0").filter(Boolean);
      found.push({ pid: Number(entry), command });
    } catch {
      // exited meanwhile
    }
  }
  return found;
}
