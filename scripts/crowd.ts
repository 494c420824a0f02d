// npm run crowd -- --help
// A crowd from one address (under wrangler dev every local client is 127.0.0.1) joins
// one room at the same moment, each retrying with the page's backoff on any refusal,
// with the real per-IP connection limit on. Then a restart storm: the dev server
// stops (its state kept) and starts again on the same port, and all reconnect.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import WebSocket from "ws";
import { newHistogram, percentile, record } from "../bench/load/histogram.ts";
import { type DevServer, ROOT, startDevServer } from "../test/support/dev-server.ts";
import { markdownTable, seconds, sleep } from "./support/table.ts";

const HELP = `npm run crowd -- [options]
  --clients N          sockets joining at once from one address (default 200)
  --bound S            most seconds a phase may take (default 180)
  --no-restart         skip the restart storm
  --connect-limit N    run on a temporary copy of wrangler.toml whose CONNECT_LIMITER allows
                       N attempts a minute (e.g. 60, the limit before issue 8)`;

const { values } = parseArgs({
  allowNegative: true,
  options: {
    clients: { type: "string", default: "200" },
    bound: { type: "string", default: "180" },
    restart: { type: "boolean", default: true },
    "connect-limit": { type: "string" },
    help: { type: "boolean", default: false },
  },
});
if (values.help) {
  console.log(HELP);
  process.exit(0);
}
const clients = Number(values.clients);
const boundMs = Number(values.bound) * 1000;
const ATTEMPT_TIMEOUT_MS = 20_000;
const PING_EVERY_MS = 25_000;

/**
 * Mirrors src/client's reconnect policy: full jitter, random(0, min(10 s, 0.5 s * 2^attempt)),
 * where attempt counts the failures since the last welcome (0 for the first retry);
 * after a refusal (429, room_full, too_many_connections), random(5 s, 30 s).
 */
export function retryDelayMs(attempt: number, refused: boolean): number {
  if (refused) return 5_000 + Math.random() * 25_000;
  return Math.random() * Math.min(10_000, 500 * 2 ** Math.min(attempt, 10));
}

type Outcome =
  | { kind: "in"; ws: WebSocket }
  | { kind: "refused"; why: "429" | "room_full" | "too_many_connections" }
  | { kind: "failed"; why: string };

/** One connection attempt, settled by the first thing the server says. */
function attempt(url: string): Promise<Outcome> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url);
    let settled = false;
    const settle = (outcome: Outcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (outcome.kind !== "in") ws.terminate();
      resolve(outcome);
    };
    const timer = setTimeout(() => settle({ kind: "failed", why: "timeout" }), ATTEMPT_TIMEOUT_MS);
    ws.on("error", (error) => settle({ kind: "failed", why: (error as NodeJS.ErrnoException).code ?? error.message }));
    ws.on("unexpected-response", (_request, response) =>
      settle(
        response.statusCode === 429
          ? { kind: "refused", why: "429" }
          : { kind: "failed", why: `HTTP ${response.statusCode}` },
      ),
    );
    ws.on("close", (code) => settle({ kind: "failed", why: `closed ${code} before the welcome` }));
    ws.once("message", (data) => {
      const frame = JSON.parse(data.toString()) as { type?: string; code?: string };
      if (frame.type === "welcome") settle({ kind: "in", ws });
      else if (frame.code === "room_full" || frame.code === "too_many_connections") {
        settle({ kind: "refused", why: frame.code });
      } else settle({ kind: "failed", why: `first frame ${frame.type} ${frame.code ?? ""}` });
    });
  });
}

type Tally = { attempts: number; refused: Map<string, number>; failed: Map<string, number>; joinMs: number[] };
const bump = (counts: Map<string, number>, key: string) => counts.set(key, (counts.get(key) ?? 0) + 1);

/** A person's page: joins, retrying by the policy until in or `deadline`; pings while in. */
class CrowdMember {
  readonly url: string;
  ws: WebSocket | null = null;
  #ping: ReturnType<typeof setInterval> | undefined;

  constructor(url: string) {
    this.url = url;
  }

  async join(startedAt: number, deadline: number, tally: Tally): Promise<void> {
    for (let failures = 0; performance.now() < deadline; failures++) {
      tally.attempts++;
      const outcome = await attempt(this.url);
      if (outcome.kind === "in") {
        tally.joinMs.push(performance.now() - startedAt);
        this.#hold(outcome.ws);
        return;
      }
      bump(outcome.kind === "refused" ? tally.refused : tally.failed, outcome.why);
      const delay = retryDelayMs(failures, outcome.kind === "refused");
      if (performance.now() + delay >= deadline) return;
      await sleep(delay);
    }
  }

  #hold(ws: WebSocket): void {
    this.ws = ws;
    this.#ping = setInterval(() => ws.send("ping"), PING_EVERY_MS);
    ws.on("close", () => {
      clearInterval(this.#ping);
      this.ws = null;
    });
  }

  /** Resolves once its socket is gone (the server stopped). */
  lost(): Promise<void> {
    const ws = this.ws;
    if (!ws) return Promise.resolve();
    return new Promise((resolve) => ws.once("close", () => resolve()));
  }

  end(): void {
    clearInterval(this.#ping);
    this.ws?.terminate();
  }
}

type Phase = { label: string; tally: Tally; allInMs: number | null; online: number; fromReadyMs: number | null };

async function runPhase(
  label: string,
  members: CrowdMember[],
  server: () => DevServer | null,
  startedAt: number,
): Promise<Phase> {
  const tally: Tally = { attempts: 0, refused: new Map(), failed: new Map(), joinMs: [] };
  const deadline = startedAt + boundMs;
  await Promise.all(members.map((m) => m.join(startedAt, deadline, tally)));
  const allIn = tally.joinMs.length === members.length;
  const current = server();
  const info = current
    ? ((await (await fetch(`${current.url}/api/rooms/crowd`)).json()) as { onlineCount: number })
    : { onlineCount: 0 };
  return {
    label,
    tally,
    allInMs: allIn ? Math.max(...tally.joinMs) : null,
    online: info.onlineCount,
    fromReadyMs: null,
  };
}

/** A copy of wrangler.toml in a temporary folder with another CONNECT_LIMITER limit, paths made absolute. */
function configWithConnectLimit(limit: number): { path: string; dir: string } {
  const original = readFileSync(join(ROOT, "wrangler.toml"), "utf8");
  const edits: [RegExp, string][] = [
    [/^main = "src\/index\.ts"$/m, `main = "${join(ROOT, "src/index.ts")}"`],
    [/^directory = "public"$/m, `directory = "${join(ROOT, "public")}"`],
    [/(name = "CONNECT_LIMITER"[\s\S]*?simple = \{ limit = )\d+/, `$1${limit}`],
  ];
  let text = original;
  for (const [pattern, replacement] of edits) {
    if (!pattern.test(text)) throw new Error(`wrangler.toml changed: ${pattern} no longer matches`);
    text = text.replace(pattern, replacement);
  }
  const dir = mkdtempSync(join(tmpdir(), "parley-config-"));
  const path = join(dir, "wrangler.toml");
  writeFileSync(path, text);
  return { path, dir };
}

const connectLimit = values["connect-limit"];
const config = connectLimit ? configWithConnectLimit(Number(connectLimit)) : null;
const persistTo = mkdtempSync(join(tmpdir(), "parley-crowd-"));
const serverOptions = { persistTo, ...(config ? { config: config.path } : {}) };
let server: DevServer | null = await startDevServer(serverOptions);
const members: CrowdMember[] = [];
const phases: Phase[] = [];
let exitCode = 1;
try {
  const port = server.port;
  const url = `${server.url.replace(/^http/, "ws")}/api/rooms/crowd/ws`;
  for (let i = 0; i < clients; i++) members.push(new CrowdMember(`${url}?name=person-${i}`));
  console.log(
    `${clients} clients from one address, CONNECT_LIMITER ${connectLimit ?? "as in wrangler.toml"}, bound ${boundMs / 1000} s`,
  );
  phases.push(await runPhase("crowd joins at once", members, () => server, performance.now()));

  if (values.restart) {
    // A restart as a deploy does it: every socket dropped at once, the room's storage kept.
    const lost = Promise.all(members.map((m) => m.lost()));
    const stoppedAt = performance.now();
    await server.stop();
    server = null;
    await lost;
    const rejoin = runPhase("restart storm", members, () => server, stoppedAt);
    server = await startDevServer({ ...serverOptions, port });
    const readyAt = performance.now();
    const phase = await rejoin;
    phase.fromReadyMs = phase.allInMs === null ? null : phase.allInMs - (readyAt - stoppedAt);
    phases.push(phase);
  }

  const counts = (m: Map<string, number>) => [...m].map(([k, v]) => `${k} x${v}`).join(", ") || "0";
  const rows = phases.map((p) => {
    const h = newHistogram();
    for (const t of p.tally.joinMs) record(h, t);
    return [
      p.label,
      `${p.tally.joinMs.length}/${clients}`,
      p.allInMs === null ? `not all in ${boundMs / 1000} s` : seconds(p.allInMs),
      p.fromReadyMs === null ? "-" : seconds(p.fromReadyMs),
      `${seconds(percentile(h, 0.5))} / ${seconds(percentile(h, 0.9))} / ${seconds(h.max)}`,
      p.tally.attempts,
      `429 x${p.tally.refused.get("429") ?? 0}, room_full x${p.tally.refused.get("room_full") ?? 0}, too_many_connections x${p.tally.refused.get("too_many_connections") ?? 0}`,
      counts(p.tally.failed),
      p.online,
    ];
  });
  console.log(
    `\n${markdownTable(
      [
        "phase",
        "in",
        "all in after s",
        "after the server was back s",
        "join s p50 / p90 / max",
        "attempts",
        "refused",
        "failed",
        "room's onlineCount",
      ],
      rows,
    )}`,
  );
  console.log("Join times count from the phase's start: the crowd's common start, or the server's stop.");
  exitCode = phases.every((p) => p.allInMs !== null && p.online === clients) ? 0 : 1;
} finally {
  for (const member of members) member.end();
  await server?.stop();
  rmSync(persistTo, { recursive: true, force: true });
  if (config) rmSync(config.dir, { recursive: true, force: true });
}
process.exit(exitCode);
