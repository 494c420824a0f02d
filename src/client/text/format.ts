// Message formatting as typed: ```fenced code```, `code`, **strong**, *emphasis* and links
// (http://, https://, www.). The text is cut into parts that say how each piece is shown; the
// page builds DOM nodes from them and never parses anything as HTML. Never throws.
import { splitLinks } from "./linkify";

/** A piece of the text and how it is shown; joined, the parts are the text without its markers. */
export type FormatPart = {
  text: string;
  /** A fenced block: monospace, scrolled sideways inside itself. */
  pre?: true;
  code?: true;
  strong?: true;
  em?: true;
  href?: string;
};
type Style = Omit<FormatPart, "text">;
/** A character of text, or a code span or link kept whole while emphasis is found around it. */
type Atom = string | FormatPart;

const FENCE = "```";

/** The parts of a message's text, in order. */
export function formatText(text: string): FormatPart[] {
  const parts: FormatPart[] = [];
  let at = 0;
  while (at < text.length) {
    const open = text.indexOf(FENCE, at);
    const close = open < 0 ? -1 : text.indexOf(FENCE, open + FENCE.length);
    if (close < 0) break;
    inline(text.slice(at, dropNewlineBefore(text, open, at)), parts);
    const body = text.slice(open + FENCE.length, close);
    const code = body.replace(/^\r?\n/, "").replace(/\r?\n$/, "");
    if (code.length > 0) parts.push({ text: code, pre: true });
    at = close + FENCE.length;
    // The block ends its line: a line break right after it is the block's own.
    if (text.startsWith("\n", at)) at++;
  }
  inline(text.slice(at), parts);
  return parts;
}

/** Where the text before a fence ends: a line break right before the block is the block's own. */
function dropNewlineBefore(text: string, open: number, from: number): number {
  return open > from && text[open - 1] === "\n" ? open - 1 : open;
}

/** Inline code, links, then strong and emphasis around them. */
function inline(text: string, out: FormatPart[]): void {
  const atoms: Atom[] = [];
  const spans = text.split("`");
  // Odd pieces were between backticks; a last unclosed one is text.
  const closed = spans.length % 2 === 1 ? spans.length : spans.length - 1;
  for (const [i, span] of spans.entries()) {
    const isCode = i % 2 === 1 && i < closed && span.length > 0;
    if (isCode) atoms.push({ text: span, code: true });
    else pushText(i % 2 === 1 ? `\`${span}${i < closed ? "`" : ""}` : span, atoms);
  }
  emphasis(atoms, 0, atoms.length, {}, out);
}

function pushText(text: string, atoms: Atom[]): void {
  for (const part of splitLinks(text)) {
    if (part.href !== undefined) atoms.push({ text: part.text, href: part.href });
    else for (const char of part.text) atoms.push(char);
  }
}

const isSpace = (atom: Atom | undefined) => typeof atom === "string" && /\s/u.test(atom);
const isStar = (atom: Atom | undefined) => atom === "*";
const isPair = (atoms: Atom[], i: number) => isStar(atoms[i]) && isStar(atoms[i + 1]);

/** `**strong**` and `*emphasis*` over atoms[from, to): a marker hugs its text on the inside. */
function emphasis(atoms: Atom[], from: number, to: number, style: Style, out: FormatPart[]): void {
  let i = from;
  while (i < to) {
    if (isPair(atoms, i) && i + 2 < to && !isSpace(atoms[i + 2]) && !isStar(atoms[i + 2])) {
      const end = findCloser(atoms, i + 3, to, true);
      if (end >= 0) {
        emphasis(atoms, i + 2, end, { ...style, strong: true }, out);
        i = end + 2;
        continue;
      }
    } else if (isStar(atoms[i]) && i + 1 < to && !isSpace(atoms[i + 1]) && !isStar(atoms[i + 1])) {
      const end = findCloser(atoms, i + 2, to, false);
      if (end >= 0) {
        emphasis(atoms, i + 1, end, { ...style, em: true }, out);
        i = end + 1;
        continue;
      }
    }
    push(atoms[i] as Atom, style, out);
    i++;
  }
}

/** Where the closing `**` (or `*`) is in atoms[from, to), or -1; a single star skips pairs. */
function findCloser(atoms: Atom[], from: number, to: number, pair: boolean): number {
  for (let k = from; k < to; k++) {
    if (!isStar(atoms[k])) continue;
    if (isPair(atoms, k)) {
      if (pair && k + 1 < to && !isSpace(atoms[k - 1])) return k;
      k++;
      continue;
    }
    if (!pair && !isSpace(atoms[k - 1])) return k;
  }
  return -1;
}

function push(atom: Atom, style: Style, out: FormatPart[]): void {
  if (typeof atom !== "string") {
    out.push({ ...style, ...atom });
    return;
  }
  const last = out.at(-1);
  const plain = last && !last.code && !last.pre && last.href === undefined;
  if (plain && last.strong === style.strong && last.em === style.em) last.text += atom;
  else out.push({ text: atom, ...style });
}
