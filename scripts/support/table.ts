// A Markdown table for a script's summary: readable in a terminal, pasteable into docs.

export function markdownTable(headers: string[], rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]) => `| ${cells.join(" | ")} |`;
  return [line(headers), line(headers.map(() => "---")), ...rows.map(line)].join("\n");
}

export const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
export const ms = (value: number) => (Number.isNaN(value) ? "-" : value < 10 ? value.toFixed(1) : value.toFixed(0));
export const seconds = (valueMs: number) => (Number.isNaN(valueMs) ? "-" : (valueMs / 1000).toFixed(1));
export const sleep = (delayMs: number) => new Promise<void>((resolve) => setTimeout(resolve, delayMs));
