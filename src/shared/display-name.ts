// Display-name rules: which names are refused as look-alikes, and the skeleton two names collide on.
// Pure functions; they never throw, whatever the string.
//
// Confusables are Unicode's own confusables.txt, generated into ./confusables-data.ts by
// scripts/confusables.ts and read into a Map at the first skeleton, not at startup.
import { CONFUSABLES } from "./confusables-data";
import { charLength, LIMITS } from "./protocol";

export type DisplayNameResult = { ok: true; name: string; skeleton: string } | { ok: false; message: string };

// In `u` mode a lone surrogate is its own code point of category Cs: the same test as isWellFormed(),
// which TypeScript's es2023 lib does not declare.
const LONE_SURROGATE = /\p{Cs}/u;
const CONTROL = /\p{Cc}/u;
// These are default-ignorable too; tested first so the message says which kind it was.
const DIRECTION_CONTROL = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/u;
const INVISIBLE = /\p{Default_Ignorable_Code_Point}/u;
// Unassigned code points may later be assigned and normalised differently; private-use ones draw as anything.
const UNASSIGNED = /[\p{Cn}\p{Co}]/u;
const ANY_SCRIPT = /[\p{Script_Extensions=Common}\p{Script_Extensions=Inherited}]/u;
const WHITESPACE_RUN = /\s+/gu;
const LETTER_OR_DIGIT = /[\p{L}\p{N}]/u;
// A combining mark on i, j and their kin, which lose their dot under it: "i" + U+0307 looks like "i".
const MARK_ON_SOFT_DOTTED = /\p{Soft_Dotted}\p{M}/u;
const MARK = /\p{M}/u;
// Marks that stack on a letter; spacing marks (gc=Mc, as in many Indic vowel signs) sit beside it.
const STACKING_MARK = /[\p{Mn}\p{Me}]/u;
const MOST_STACKED_MARKS = 2;

// UTS #31 table 5: the scripts UTS #39's restriction levels call Recommended.
// biome-ignore format: a list of names, kept compact
const RECOMMENDED = [
  "Latin", "Cyrillic", "Greek", "Han", "Hiragana", "Katakana", "Hangul", "Bopomofo", "Arabic", "Armenian",
  "Bengali", "Devanagari", "Ethiopic", "Georgian", "Gujarati", "Gurmukhi", "Hebrew", "Kannada", "Khmer", "Lao",
  "Malayalam", "Myanmar", "Oriya", "Sinhala", "Tamil", "Telugu", "Thaana", "Thai", "Tibetan",
] as const;
const SCRIPT_TESTS = RECOMMENDED.map(
  (script) => [script, new RegExp(`\\p{Script_Extensions=${script}}`, "u")] as const,
);
// Letters of other scripts (Cherokee, Runic...) may stand alone but not join a listed script;
// two such scripts are not told apart from each other.
const OTHER_SCRIPT = "another script";

// UTS #39 moderately restrictive: besides single-script names, the scripts a name may be covered by.
const ALLOWED_MIXES: readonly (readonly string[])[] = [
  ["Latin", "Han", "Hiragana", "Katakana"],
  ["Latin", "Han", "Bopomofo"],
  ["Latin", "Han", "Hangul"],
  ...RECOMMENDED.filter((s) => s !== "Latin" && s !== "Cyrillic" && s !== "Greek").map((s) => ["Latin", s]),
];

/** A character's scripts (its Script_Extensions), or undefined for Common and Inherited ones, which go with any. */
function scriptsOf(char: string): string[] | undefined {
  if (ANY_SCRIPT.test(char)) return undefined;
  const scripts = SCRIPT_TESTS.filter(([, test]) => test.test(char)).map(([script]) => script);
  return scripts.length > 0 ? scripts : [OTHER_SCRIPT];
}

/** The scripts a name mixes, when the moderately restrictive level forbids the mix. */
function forbiddenMix(name: string): string[] | undefined {
  const sets = Array.from(name, scriptsOf).filter((scripts) => scripts !== undefined);
  const coveredBy = (mix: readonly string[]) => sets.every((set) => set.some((script) => mix.includes(script)));
  const [first] = sets;
  // Single-script when one script of the first letter is shared by all of them.
  if (!first || first.some((script) => coveredBy([script])) || ALLOWED_MIXES.some(coveredBy)) return undefined;
  const named: string[] = [];
  for (const set of sets) {
    if (!set.some((script) => named.includes(script))) named.push(set[0] ?? OTHER_SCRIPT);
  }
  // "Latin and another script" reads better than the other way round.
  return named.sort((a, b) => Number(a === OTHER_SCRIPT) - Number(b === OTHER_SCRIPT));
}

function listed(names: string[]): string {
  return names.length <= 2 ? names.join(" and ") : `${names.slice(0, -1).join(", ")} and ${names.at(-1)}`;
}

let prototypes: Map<string, string> | undefined;

/** confusables.txt as a Map, from the packed table described in ./confusables-data.ts. */
function prototypeTable(): Map<string, string> {
  if (prototypes) return prototypes;
  prototypes = new Map();
  let codePoint = 0;
  for (const entry of CONFUSABLES.trim().split(/\s+/)) {
    const colon = entry.indexOf(":");
    codePoint += Number.parseInt(entry.slice(0, colon), 36);
    let prototype = "";
    for (const cp of entry.slice(colon + 1).split(".")) prototype += String.fromCodePoint(Number.parseInt(cp, 36));
    prototypes.set(String.fromCodePoint(codePoint), prototype);
  }
  return prototypes;
}

/** UTS #39 skeleton: NFD, each character replaced by its prototype, NFD again. */
function utsSkeleton(text: string): string {
  const table = prototypeTable();
  let mapped = "";
  for (const char of text.normalize("NFD")) mapped += table.get(char) ?? char;
  return mapped.normalize("NFD");
}

/**
 * The key two names collide on: a UTS #39 skeleton of the case-folded NFKC name. confusables.txt
 * lists some letters only as capitals (Cyrillic "В" is "B", but "в" is small-capital "ʙ"; "I" is
 * "l") and others only as small letters ("rn" is "m"), so the folded name is put in capitals and
 * mapped, then folded and mapped again. Each step sees only the folded name, so case never matters;
 * the price is that "i" and "l" meet too. Runs of spaces count as one, as a page shows them, and
 * blanks that map to a space (U+2800 BRAILLE PATTERN BLANK) do not count at either end.
 */
export function nameSkeleton(name: string): string {
  const folded = name.normalize("NFKC").toLowerCase();
  return utsSkeleton(utsSkeleton(folded.toUpperCase()).toLowerCase()).replace(WHITESPACE_RUN, " ").trim();
}

/** Validates and normalises a display name; `skeleton` is the key two names collide on. */
export function checkDisplayName(raw: string): DisplayNameResult {
  if (LONE_SURROGATE.test(raw)) return { ok: false, message: "name is not well-formed Unicode (a lone surrogate)" };
  const name = raw.normalize("NFKC").trim();
  const refusal = refusalOf(name);
  return refusal === undefined ? { ok: true, name, skeleton: nameSkeleton(name) } : { ok: false, message: refusal };
}

/** Why the marks on some letter make a look-alike, if they do. `name` is NFKC, so precomposed letters carry no mark. */
function markRefusal(name: string): string | undefined {
  if (MARK_ON_SOFT_DOTTED.test(name)) return "name must not put a combining mark on i, j or another dotted letter";
  // A letter's marks follow it; in NFD a mark that NFKC composed into the letter (é + U+0301) is apart again.
  const marks = new Set<string>();
  for (const char of name.normalize("NFD")) {
    if (!MARK.test(char)) marks.clear();
    else if (marks.has(char)) return "name must not repeat a combining mark on one letter";
    else marks.add(char);
  }
  let stacked = 0;
  for (const char of name) {
    if (!MARK.test(char)) stacked = 0;
    else if (STACKING_MARK.test(char) && ++stacked > MOST_STACKED_MARKS) {
      return `name must not stack more than ${MOST_STACKED_MARKS} marks on one letter`;
    }
  }
  return undefined;
}

// Printable ASCII holds no control, invisible or direction character, no mark, and only Latin and
// common letters: most names pass on these tests instead of a script check per character.
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;
const NO_LETTER = "name must contain a letter or digit, not only blanks, punctuation or symbols";

function refusalOf(name: string): string | undefined {
  if (name.length === 0) return "name must not be empty";
  if (charLength(name) > LIMITS.nameMax) return `name must be at most ${LIMITS.nameMax} characters`;
  if (PRINTABLE_ASCII.test(name)) return LETTER_OR_DIGIT.test(name) ? undefined : NO_LETTER;
  if (CONTROL.test(name)) return "name must not contain control characters";
  if (DIRECTION_CONTROL.test(name)) return "name must not contain text-direction controls";
  if (INVISIBLE.test(name)) return "name must not contain invisible characters";
  if (UNASSIGNED.test(name)) return "name must not contain unassigned or private-use characters";
  // After the invisible test, so Hangul fillers (letters by category) are already gone.
  if (!LETTER_OR_DIGIT.test(name)) return NO_LETTER;
  const marks = markRefusal(name);
  if (marks) return marks;
  const mix = forbiddenMix(name);
  if (mix) return `name mixes letters from different scripts (${listed(mix)})`;
  return undefined;
}
