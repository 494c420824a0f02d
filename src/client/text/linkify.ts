// Finds web links in plain text. Only http and https become links (and `www.` names, as
// https): other schemes (javascript:, data:, file:) stay text whatever they look like.

export type TextPart = { text: string; href?: string };

// A scheme (or `www.`) not glued to a word before it, then anything up to a space or markup-ish quote.
const CANDIDATE = /(?<![\p{L}\p{N}_@])https?:\/\/[^\s<>"]+|(?<![\p{L}\p{N}_@./:-])www\.[^\s<>"]+/giu;
// `www.` then a name with a dot in it: "www.example.com", not "www.".
const WWW = /^www\.[\p{L}\p{N}-]+\.[\p{L}\p{N}]/iu;
// Punctuation that ends a sentence rather than the link.
const TRAILING = /[.,;:!?'*_~]$/;

function trimTrailing(candidate: string): string {
  let url = candidate;
  for (;;) {
    if (TRAILING.test(url)) url = url.slice(0, -1);
    // "(see https://example.com/a)": the closing bracket is the sentence's unless the link opened one.
    else if (/[)\]}]$/.test(url) && count(url, closerOf(url.at(-1))) < count(url, url.at(-1) ?? ""))
      url = url.slice(0, -1);
    else return url;
  }
}

function closerOf(close: string | undefined): string {
  return close === ")" ? "(" : close === "]" ? "[" : "{";
}

function count(text: string, char: string): number {
  return text.split(char).length - 1;
}

function safeHref(candidate: string): string | null {
  if (/^www\./i.test(candidate) && !WWW.test(candidate)) return null;
  try {
    const url = new URL(/^www\./i.test(candidate) ? `https://${candidate}` : candidate);
    return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
  } catch {
    return null;
  }
}

/** The text cut into plain parts and link parts, in order; joined, they are the text. */
export function splitLinks(text: string): TextPart[] {
  const parts: TextPart[] = [];
  let at = 0;
  for (const match of text.matchAll(CANDIDATE)) {
    const start = match.index;
    const candidate = trimTrailing(match[0]);
    const href = safeHref(candidate);
    if (href === null || (!/^www\./i.test(candidate) && candidate.length <= "https://".length)) continue;
    if (start > at) parts.push({ text: text.slice(at, start) });
    parts.push({ text: candidate, href });
    at = start + candidate.length;
  }
  if (at < text.length) parts.push({ text: text.slice(at) });
  return parts;
}
