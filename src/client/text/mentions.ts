// `@name` mentions of one person, found case-insensitively. Names may hold
// spaces ("@Ann Lee"), so the name is matched as a whole, not as a word.

// A character that would make the match part of a longer name.
const NAME_CHAR = /[\p{L}\p{N}\p{M}_-]/u;

/** Where `@name` occurs in `text`, as [start, end) ranges including the `@`. */
export function findMentions(text: string, name: string): [number, number][] {
  const ranges: [number, number][] = [];
  if (name === "") return ranges;
  const lowerText = text.toLowerCase();
  const needle = `@${name.toLowerCase()}`;
  // Lower-casing keeps lengths for all but a few letters; then offsets would drift, so skip.
  if (lowerText.length !== text.length || needle.length !== name.length + 1) return ranges;
  let from = 0;
  for (;;) {
    const start = lowerText.indexOf(needle, from);
    if (start < 0) return ranges;
    const end = start + needle.length;
    const before = start === 0 ? "" : text.slice(start - 1, start);
    const after = text.slice(end, end + 1);
    if (!NAME_CHAR.test(before) && !NAME_CHAR.test(after)) ranges.push([start, end]);
    from = end;
  }
}

export function mentions(text: string, name: string): boolean {
  return findMentions(text, name).length > 0;
}
