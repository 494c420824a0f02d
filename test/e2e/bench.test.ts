import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ROOT } from "../support/dev-server";

const running = new Set<ReturnType<typeof spawn>>();
// A bench still running (the test failed or timed out) is told to stop: on SIGTERM it stops its servers.
afterEach(async () => {
  await Promise.all(
    [...running].map((child) => {
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      return exited;
    }),
  );
});

/** Runs `node bench/run.ts` with these arguments; resolves with its exit code and output. */
function bench(args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["bench/run.ts", ...args], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    running.add(child);
    child.once("exit", () => running.delete(child));
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.on("exit", (code) => resolve({ code, output }));
  });
}

// Speed is measured by `npm run bench`, not asserted here: this only shows the bench runs.
describe("npm run bench", () => {
  it("explains its options with --help", async () => {
    const { code, output } = await bench(["--help"]);
    expect(code).toBe(0);
    expect(output).toContain("--servers");
    expect(output).toContain("--quick");
  });

  it("compares every server on a tiny load and writes a table with nothing lost and nobody closed", async () => {
    const out = join(mkdtempSync(join(tmpdir(), "parley-bench-")), "bench.md");
    const { code, output } = await bench(["--quick", "--loads", "moderate,join,idle", "--out", out]);
    expect(code, output).toBe(0);
    const report = readFileSync(out, "utf8");
    for (const label of [
      "Parley",
      "Socket.io",
      "bare ws",
      "broadcast-only DO (wrangler dev)",
      "broadcast-only DO behind assets",
      "workers-chat-demo",
      "partyserver",
    ])
      expect(report).toContain(label);
    const summary = report.split("\n").filter((line) => line.startsWith("| ") && / \d+ \/ \d+ \/ \d+ \|$/.test(line));
    expect(summary).toHaveLength(7);
    // Closed by the server, then lost / dup / out-of-order: all none.
    for (const line of summary) expect(line).toMatch(/\| 0 \| 0 \/ 0 \/ 0 \|$/);
    expect(report).toContain("offer on");
    expect(readFileSync(out.replace(/\.md$/, "-latency.svg"), "utf8")).toContain("<svg");
  }, 360_000);

  it("spreads a room over shard objects on a tiny load and delivers everything once, in seq order", async () => {
    const out = join(mkdtempSync(join(tmpdir(), "parley-bench-")), "shards.md");
    const { code, output } = await bench(["--quick", "--loads", "shards", "--out", out]);
    expect(code, output).toBe(0);
    const report = readFileSync(out, "utf8");
    // 12 sockets over shards of 4: the room object and 2 shard objects, as the room's info says.
    expect(report).toMatch(
      /12 sockets in one room, ROOM_SHARD_SOCKETS=4 \(2 shard objects besides the room's\): nothing lost, duplicated or out of order: \*\*met\*\*/,
    );
    const rows = report.split("\n").filter((line) => /^\| (sharded|one object)/.test(line));
    expect(rows).toHaveLength(4);
    // Lost, duplicated, out of order (by sender, by seq): all none.
    for (const line of rows) expect(line).toMatch(/\| 0 \| 0 \| 0, 0 \|/);
  }, 360_000);
});
