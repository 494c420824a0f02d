import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkDisplayName, nameSkeleton } from "../../src/display-name";

const skeletonOf = (raw: string) => {
  const result = checkDisplayName(raw);
  if (!result.ok) throw new Error(`expected ${JSON.stringify(raw)} to be accepted: ${result.message}`);
  return result.skeleton;
};
const refused = (message: string) => ({ ok: false, message });
const mixes = (scripts: string) => refused(`name mixes letters from different scripts (${scripts})`);

describe("checkDisplayName: normalising", () => {
  it("accepts plain names, NFKC-normalised and trimmed", () => {
    expect(checkDisplayName("Alice")).toMatchObject({ ok: true, name: "Alice" });
    expect(checkDisplayName("Ａｌｉｃｅ")).toMatchObject({ ok: true, name: "Alice" });
    expect(checkDisplayName("  ﬁona  ")).toMatchObject({ ok: true, name: "fiona" });
    expect(checkDisplayName("Jose\u0301")).toMatchObject({ ok: true, name: "José" });
  });

  it("trims a no-break space, and the trimmed name is the same name", () => {
    expect(checkDisplayName("Bob\u00a0")).toMatchObject({ ok: true, name: "Bob" });
    expect(skeletonOf("Bob\u00a0")).toBe(skeletonOf("Bob"));
  });

  it("counts the 32-character limit after NFKC, in code points", () => {
    expect(checkDisplayName("ａ".repeat(32))).toMatchObject({ ok: true, name: "a".repeat(32) });
    expect(checkDisplayName("e\u0301".repeat(32))).toMatchObject({ ok: true, name: "é".repeat(32) });
    expect(checkDisplayName("🙂".repeat(32))).toMatchObject({ ok: true });
    expect(checkDisplayName("a".repeat(33))).toEqual(refused("name must be at most 32 characters"));
    // One code point, 18 characters after NFKC.
    expect(checkDisplayName("\ufdfa")).toMatchObject({ ok: true });
    expect(checkDisplayName("\ufdfa\ufdfa")).toEqual(refused("name must be at most 32 characters"));
  });

  it("refuses empty names and control characters", () => {
    expect(checkDisplayName("")).toEqual(refused("name must not be empty"));
    expect(checkDisplayName(" \u3000\u00a0")).toEqual(refused("name must not be empty"));
    expect(checkDisplayName("Bo\u0000b")).toEqual(refused("name must not contain control characters"));
    expect(checkDisplayName("Bo\u0085b")).toEqual(refused("name must not contain control characters"));
  });

  it("refuses strings that are not well-formed UTF-16", () => {
    const message = "name is not well-formed Unicode (a lone surrogate)";
    expect(checkDisplayName("Bob\ud800")).toEqual(refused(message));
    expect(checkDisplayName("\udc00Bob")).toEqual(refused(message));
    expect(checkDisplayName("\udc00\ud800")).toEqual(refused(message));
    // A pair is one character, not two halves.
    expect(checkDisplayName("Bob \ud83d\ude42")).toMatchObject({ ok: true, name: "Bob 🙂" });
  });
});

describe("checkDisplayName: invisible characters", () => {
  it.each([
    ["zero-width space", "Bo\u200bb"],
    ["zero-width non-joiner", "Bo\u200cb"],
    ["zero-width joiner", "Bo\u200db"],
    ["soft hyphen", "Bo\u00adb"],
    ["word joiner", "Bo\u2060b"],
    ["byte order mark inside", "Bo\ufeffb"],
    ["variation selector", "Bob\ufe0f"],
    ["Hangul filler", "Bob\u3164"],
  ])("refuses a %s", (_, raw) => {
    expect(checkDisplayName(raw)).toEqual(refused("name must not contain invisible characters"));
  });

  it.each([
    ["right-to-left override", "\u202eboB"],
    ["left-to-right embedding", "\u202aBob"],
    ["right-to-left mark", "Bob\u200f"],
    ["first strong isolate", "\u2068Bob"],
    ["Arabic letter mark", "Bob\u061c"],
  ])("refuses a %s as a text-direction control", (_, raw) => {
    expect(checkDisplayName(raw)).toEqual(refused("name must not contain text-direction controls"));
  });

  it("refuses unassigned and private-use code points", () => {
    const message = "name must not contain unassigned or private-use characters";
    expect(checkDisplayName("Bob\u0378")).toEqual(refused(message));
    expect(checkDisplayName("Bob\ue000")).toEqual(refused(message));
  });
});

describe("checkDisplayName: scripts", () => {
  it("refuses Latin mixed with Cyrillic or Greek, naming the scripts", () => {
    // Cyrillic В and о, Latin b.
    expect(checkDisplayName("Воb")).toEqual(mixes("Cyrillic and Latin"));
    // Greek capital alpha.
    expect(checkDisplayName("Αlice")).toEqual(mixes("Greek and Latin"));
    expect(checkDisplayName("Aлα")).toEqual(mixes("Latin, Cyrillic and Greek"));
  });

  it("accepts a name of one script, whatever the script", () => {
    expect(checkDisplayName("Воб")).toMatchObject({ ok: true, name: "Воб" });
    expect(checkDisplayName("Αλέξανδρος")).toMatchObject({ ok: true });
    expect(checkDisplayName("ᏣᎳᎩ")).toMatchObject({ ok: true });
  });

  it("accepts the CJK mixes and Latin with one other recommended script", () => {
    // Han, Hiragana, Katakana (with the prolonged sound mark, which is both) and Latin.
    expect(checkDisplayName("東京のタワー Tokyo")).toMatchObject({ ok: true });
    expect(checkDisplayName("김민준 金 Kim")).toMatchObject({ ok: true });
    expect(checkDisplayName("王ㄅㄆ Wang")).toMatchObject({ ok: true });
    expect(checkDisplayName("Ali علي")).toMatchObject({ ok: true });
    // Digits, spaces and punctuation go with any script.
    expect(checkDisplayName("Маша-2 (Москва)")).toMatchObject({ ok: true });
  });

  it("refuses the mixes moderately restrictive does not allow", () => {
    expect(checkDisplayName("東京 Москва")).toEqual(mixes("Han and Cyrillic"));
    expect(checkDisplayName("Ali علي דוד")).toEqual(mixes("Latin, Arabic and Hebrew"));
    expect(checkDisplayName("한국 ひらがな")).toEqual(mixes("Hangul and Hiragana"));
    // A script outside the recommended list may stand alone, but not join Latin.
    expect(checkDisplayName("ᏣᎳᎩ Bob")).toEqual(mixes("Latin and another script"));
  });
});

describe("nameSkeleton", () => {
  it("gives look-alike and differently cased names one skeleton", () => {
    // The last is all Cyrillic: а, р, е.
    expect(new Set([skeletonOf("ape"), skeletonOf("Ape"), skeletonOf("APE"), skeletonOf("аре")]).size).toBe(1);
    expect(nameSkeleton("Воb")).toBe(skeletonOf("Bob"));
    // All Cyrillic, so accepted, and still Bob's name.
    expect(skeletonOf("ВОВ")).toBe(skeletonOf("Bob"));
    expect(skeletonOf("AIice")).toBe(skeletonOf("alice"));
    expect(skeletonOf("rnike")).toBe(skeletonOf("Mike"));
    expect(skeletonOf("B0B")).toBe(skeletonOf("bob"));
    expect(skeletonOf("Bob  Smith")).toBe(skeletonOf("Bob Smith"));
    expect(skeletonOf("МАРИЯ")).toBe(skeletonOf("Мария"));
    expect(skeletonOf("Straße")).toBe(skeletonOf("STRASSE"));
  });

  it("keeps different names apart", () => {
    const names = ["Alice", "Bob", "Bobby", "Mallory", "Мария", "東京", "Ali علي", "BobSmith"];
    expect(new Set(names.map(skeletonOf)).size).toBe(names.length);
  });
});

// Every code point, lone surrogates, controls and invisible ones included, and names near the limit.
const anyName = fc.oneof(
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.string({ unit: "grapheme", maxLength: 34 }),
  fc.constantFrom("Bob", " Bob ", "Воb", "ａ".repeat(32), "\ufdfa", "\u202eboB", "Bob\ud800"),
);
// Latin, Greek and Cyrillic letters, each maybe with a combining mark: where case and look-alikes meet.
const letter = fc.oneof(
  fc.integer({ min: 0x41, max: 0x7a }),
  fc.integer({ min: 0xc0, max: 0x24f }),
  fc.integer({ min: 0x370, max: 0x4ff }),
);
const caseName = fc
  .array(fc.tuple(letter, fc.option(fc.integer({ min: 0x300, max: 0x36f }))), { minLength: 1, maxLength: 16 })
  .map((pairs) => String.fromCodePoint(...pairs.flatMap(([cp, mark]) => (mark === null ? [cp] : [cp, mark]))));

describe("checkDisplayName properties", () => {
  it("never throws, and an accepted name is well-formed, short and visible", () => {
    fc.assert(
      fc.property(anyName, (raw) => {
        expect(typeof nameSkeleton(raw)).toBe("string");
        const result = checkDisplayName(raw);
        if (!result.ok) {
          expect(result.message).toMatch(/^name /);
          return;
        }
        expect(result.name).toBe(result.name.normalize("NFKC").trim());
        expect(Array.from(result.name).length).toBeLessThanOrEqual(32);
        expect(result.name).not.toMatch(/[\p{Cs}\p{Cc}\p{Default_Ignorable_Code_Point}]/u);
      }),
      { numRuns: 3000 },
    );
  });

  it("is idempotent: an accepted name checks to itself, with the same skeleton", () => {
    fc.assert(
      fc.property(fc.oneof(anyName, caseName), (raw) => {
        const result = checkDisplayName(raw);
        if (result.ok) expect(checkDisplayName(result.name)).toEqual(result);
      }),
      { numRuns: 3000 },
    );
  });

  it("ignores case", () => {
    fc.assert(
      // Names reach it NFKC-normalised (which also takes out U+0345, whose capital moves about).
      fc.property(caseName, (raw) => {
        const name = raw.normalize("NFKC");
        // Skeletons decide only between accepted names.
        if (!checkDisplayName(name).ok || !checkDisplayName(name.toUpperCase()).ok) return;
        expect(nameSkeleton(name.toUpperCase())).toBe(nameSkeleton(name.toLowerCase()));
      }),
      { numRuns: 20000 },
    );
  });
});

describe("plain ASCII names", () => {
  it("accepts every printable ASCII name of 1-32 characters, trimmed, as it is", () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 40 }),
        (raw) => {
          const trimmed = raw.trim();
          const result = checkDisplayName(raw);
          if (trimmed.length === 0 || trimmed.length > 32) expect(result.ok).toBe(false);
          else expect(result).toMatchObject({ ok: true, name: trimmed });
        },
      ),
    );
  });
});
