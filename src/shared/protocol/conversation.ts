// The rules of the conversation frames that need more than a type check: what one emoji is, and
// what the words of a search are. Pure, used by the room to refuse and by the page to offer.

const segmenter = new Intl.Segmenter(undefined, { granularity: "grapheme" });
// What an emoji grapheme may hold: pictographs and the components (modifiers, joiner, variation
// selector 16, keycap, regional indicators, tags) that build on them.
const EMOJI_PART = /^[\p{Extended_Pictographic}\p{Emoji_Component}]$/u;
const PICTOGRAPH = /\p{Extended_Pictographic}/u;
const FLAG = /^\p{Regional_Indicator}{2}$/u;
const KEYCAP = /^[0-9#*]\uFE0F?\u20E3$/u;
/** Longest emoji accepted, in UTF-16 units: room for the longest ZWJ sequences with skin tones. */
export const EMOJI_UNITS_MAX = 48;

/** Whether `value` is exactly one emoji grapheme (a pictograph, a flag or a keycap, with its modifiers). */
export function isOneEmoji(value: string): boolean {
  if (value.length === 0 || value.length > EMOJI_UNITS_MAX || !value.isWellFormed()) return false;
  const graphemes = segmenter.segment(value)[Symbol.iterator]();
  if (graphemes.next().done || !graphemes.next().done) return false;
  if (FLAG.test(value) || KEYCAP.test(value)) return true;
  for (const char of value) if (!EMOJI_PART.test(char)) return false;
  return PICTOGRAPH.test(value);
}

// Letters, digits and marks, as the search index's unicode61 tokenizer reads words.
const WORD = /[\p{L}\p{N}\p{M}\p{Co}]+/gu;

/** The words of a search query, lower case: each must begin a word of a matching message. */
export function searchWords(q: string): string[] {
  return q.normalize("NFC").toLowerCase().match(WORD) ?? [];
}
