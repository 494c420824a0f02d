// Where a V8 CPU profile's time went: self time per function, and inclusive time per cost.
export type CpuProfile = {
  nodes: {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
    children?: number[];
  }[];
  samples: number[];
  timeDeltas: number[];
};

export type ProfileSummary = {
  totalMs: number;
  self: { name: string; ms: number }[];
  inclusive: { name: string; ms: number }[];
};

const frameName = (frame: CpuProfile["nodes"][number]["callFrame"]) => {
  const file = frame.url.split("/").pop() ?? "";
  return `${frame.functionName || "(anonymous)"}${file ? ` ${file}:${frame.lineNumber + 1}` : ""}`;
};

// Samples this far apart are a pause of the profiler, not of the code.
const SAMPLING_GAP_MS = 100;

/** `costs` maps a label to a test on function names; a sample counts once per label it falls under. */
export function summarize(
  profile: CpuProfile,
  costs: Record<string, (functionName: string) => boolean>,
): ProfileSummary {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const selfMs = new Map<string, number>();
  const inclusiveMs = new Map<string, number>();
  let totalMs = 0;
  profile.samples.forEach((id, i) => {
    const ms = (profile.timeDeltas[i + 1] ?? profile.timeDeltas[i] ?? 0) / 1000;
    // A gap in sampling (seen: 12 s in one join storm) is not time spent in the function it lands on.
    if (ms > SAMPLING_GAP_MS) return;
    totalMs += ms;
    const node = byId.get(id);
    if (!node) return;
    const name = frameName(node.callFrame);
    selfMs.set(name, (selfMs.get(name) ?? 0) + ms);
    const labels = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const fn = byId.get(at)?.callFrame.functionName ?? "";
      for (const [label, test] of Object.entries(costs)) if (test(fn)) labels.add(label);
    }
    for (const label of labels) inclusiveMs.set(label, (inclusiveMs.get(label) ?? 0) + ms);
  });
  const sorted = (m: Map<string, number>) => [...m].map(([name, ms]) => ({ name, ms })).sort((a, b) => b.ms - a.ms);
  return { totalMs, self: sorted(selfMs), inclusive: sorted(inclusiveMs) };
}
