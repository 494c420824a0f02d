// A hand-written SVG chart: p99 (solid) and p50 (dashed) delivery latency against room size.
import type { StepResult } from "./loads.ts";
import type { BenchOptions } from "./options.ts";
import { SERVER_LABELS, type ServerName } from "./servers.ts";
import type { ServerResult } from "./suite.ts";

const WIDTH = 760;
const HEIGHT = 420;
const PAD = { left: 64, right: 250, top: 36, bottom: 48 };
const COLORS: Record<ServerName, string> = {
  parley: "#d9480f",
  socketio: "#1971c2",
  ws: "#2f9e44",
  floor: "#9c36b5",
  floorapp: "#cc5de8",
  chatdemo: "#868e96",
  partyserver: "#f08c00",
  before: "#e64980",
};

const escapeXml = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

// The first deflate mode (browsers' offer by default), where the sweep ran.
function points(result: ServerResult): StepResult[] {
  const mode = result.modes[0];
  const all = [mode?.moderate, ...(mode?.saturation?.steps ?? []), mode?.crowd].filter(
    (s): s is StepResult => s !== undefined,
  );
  return [...new Set(all)].filter((s) => Number.isFinite(s.p99)).sort((a, b) => a.sockets - b.sockets);
}

/** Powers of ten (and 2x, 5x) between lo and hi, for log-axis ticks. */
function logTicks(lo: number, hi: number): number[] {
  const ticks: number[] = [];
  for (let decade = 10 ** Math.floor(Math.log10(lo)); decade <= hi; decade *= 10) {
    for (const m of [1, 2, 5]) if (decade * m >= lo && decade * m <= hi) ticks.push(decade * m);
  }
  return ticks;
}

export function latencyChart(results: ServerResult[], options: BenchOptions): string {
  const series = results.map((r) => ({ name: r.name, steps: points(r) })).filter((s) => s.steps.length > 0);
  const all = series.flatMap((s) => s.steps);
  const xs = all.map((s) => s.sockets);
  const ys = all.flatMap((s) => [s.p50, s.p99]).filter((v) => v > 0);
  const [xLo, xHi] = [Math.min(...xs, 1), Math.max(...xs, 2)];
  const [yLo, yHi] = [Math.min(...ys, 1) * 0.8, Math.max(...ys, options.p99LimitMs) * 1.25];
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const x = (v: number) => PAD.left + ((Math.log(v) - Math.log(xLo)) / (Math.log(xHi) - Math.log(xLo) || 1)) * plotW;
  const y = (v: number) => PAD.top + plotH - ((Math.log(v) - Math.log(yLo)) / (Math.log(yHi) - Math.log(yLo))) * plotH;
  const f = (v: number) => v.toFixed(1);

  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="12">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#fff"/>`,
    `<text x="${PAD.left}" y="20" font-size="14" font-weight="bold">Delivery latency against room size (${options.rate} msg/s per socket)</text>`,
  ];
  for (const t of logTicks(yLo, yHi)) {
    parts.push(`<line x1="${PAD.left}" x2="${PAD.left + plotW}" y1="${f(y(t))}" y2="${f(y(t))}" stroke="#eee"/>`);
    parts.push(`<text x="${PAD.left - 6}" y="${f(y(t) + 4)}" text-anchor="end">${t}</text>`);
  }
  for (const t of [...new Set(xs)].sort((a, b) => a - b)) {
    parts.push(`<line x1="${f(x(t))}" x2="${f(x(t))}" y1="${PAD.top}" y2="${PAD.top + plotH}" stroke="#eee"/>`);
    parts.push(`<text x="${f(x(t))}" y="${PAD.top + plotH + 16}" text-anchor="middle">${t}</text>`);
  }
  const limit = y(options.p99LimitMs);
  parts.push(
    `<line x1="${PAD.left}" x2="${PAD.left + plotW}" y1="${f(limit)}" y2="${f(limit)}" stroke="#999" stroke-dasharray="2 3"/>`,
    `<text x="${PAD.left + plotW - 4}" y="${f(limit - 4)}" text-anchor="end" fill="#666">${options.p99LimitMs} ms</text>`,
    `<rect x="${PAD.left}" y="${PAD.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#333"/>`,
    `<text x="${PAD.left + plotW / 2}" y="${HEIGHT - 10}" text-anchor="middle">sockets in the room (log scale)</text>`,
    `<text transform="translate(16 ${PAD.top + plotH / 2}) rotate(-90)" text-anchor="middle">latency, ms (log scale)</text>`,
  );
  series.forEach(({ name, steps }, i) => {
    const color = COLORS[name];
    for (const [key, dash] of [
      ["p99", ""],
      ["p50", ' stroke-dasharray="5 4"'],
    ] as const) {
      const line = steps.map((s) => `${f(x(s.sockets))},${f(y(Math.max(s[key], yLo)))}`).join(" ");
      parts.push(`<polyline points="${line}" fill="none" stroke="${color}" stroke-width="2"${dash}/>`);
    }
    for (const s of steps)
      parts.push(`<circle cx="${f(x(s.sockets))}" cy="${f(y(Math.max(s.p99, yLo)))}" r="3" fill="${color}"/>`);
    const ly = PAD.top + 10 + i * 20;
    parts.push(
      `<line x1="${WIDTH - PAD.right + 16}" x2="${WIDTH - PAD.right + 40}" y1="${ly}" y2="${ly}" stroke="${color}" stroke-width="2"/>`,
      `<text x="${WIDTH - PAD.right + 46}" y="${ly + 4}">${escapeXml(SERVER_LABELS[name])}</text>`,
    );
  });
  const noteY = PAD.top + 10 + series.length * 20 + 10;
  parts.push(`<text x="${WIDTH - PAD.right + 16}" y="${noteY}" fill="#666">solid: p99, dashed: p50</text>`, "</svg>");
  return `${parts.join("\n")}\n`;
}
