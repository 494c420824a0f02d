import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CONFUSABLES_VERSION } from "../../src/shared/confusables-data";
import { checkDisplayName, nameSkeleton } from "../../src/shared/display-name";

const skeletonOf = (raw: string) => {
  const result = checkDisplayName(raw);
  if (!result.ok) throw new Error(`expected ${JSON.stringify(raw)} to be accepted: ${result.message}`);
  return result.skeleton;
};
const refused = (message: string) => ({ ok: false, message });
const mixes = (scripts: string) => refused(`name mixes letters from different scripts (${scripts})`);
const noLetter = refused("name must contain a letter or digit, not only blanks, punctuation or symbols");
const sameName = (...names: string[]) => expect(new Set(names.map(skeletonOf)).size).toBe(1);

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
    expect(checkDisplayName(`B${"🙂".repeat(31)}`)).toMatchObject({ ok: true });
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

describe("checkDisplayName: combining marks", () => {
  it("refuses a combining mark on i, j or another soft-dotted letter", () => {
    const message = "name must not put a combining mark on i, j or another dotted letter";
    // A dot above on i draws as the i's own dot.
    expect(checkDisplayName("ali\u0307ce")).toEqual(refused(message));
    expect(checkDisplayName("j\u0301ane")).toEqual(refused(message));
    // Cyrillic і, and Vietnamese ị (itself soft-dotted) with one mark more.
    expect(checkDisplayName("Олексі\u0306")).toEqual(refused(message));
    expect(checkDisplayName("Thị\u0302")).toEqual(refused(message));
  });

  it("refuses the same mark twice on one letter, found in the decomposed name", () => {
    const message = "name must not repeat a combining mark on one letter";
    // NFKC makes the first pair é, so only NFD shows two acute accents.
    expect(checkDisplayName("Jose\u0301\u0301")).toEqual(refused(message));
    expect(checkDisplayName("Jos\u00e9\u0301")).toEqual(refused(message));
    // Apart, with another mark of the same class between them.
    expect(checkDisplayName("Zoe\u0308\u0301\u0308")).toEqual(refused(message));
  });

  it("refuses more than two marks stacked on one letter, counted after NFKC", () => {
    const message = "name must not stack more than 2 marks on one letter";
    expect(checkDisplayName("q\u0301\u0302")).toMatchObject({ ok: true });
    expect(checkDisplayName("q\u0301\u0302\u0303")).toEqual(refused(message));
    expect(checkDisplayName("Zalgo\u0300\u0316\u0317\u0318")).toEqual(refused(message));
    // Three marks in NFD, one precomposed letter and one mark after NFKC.
    expect(checkDisplayName("Nguye\u0302\u0303\u0304n")).toMatchObject({ ok: true, name: "Nguyễ\u0304n" });
  });

  it.each([
    "Anaïs",
    "Nguyễn",
    "Nguyễn Thị Minh Khai",
    "José",
    "Zoë",
    "山田",
    "Ольга",
    "Олексій",
    "Ελένη",
    "İlkay",
    "Alice",
    "Bob Smith",
    "O'Brien",
    "Mary-Jane 2",
  ])("accepts %s", (name) => {
    expect(checkDisplayName(name)).toMatchObject({ ok: true, name });
  });

  it("accepts decomposed input whose marks NFKC composes", () => {
    expect(checkDisplayName("Anai\u0308s")).toMatchObject({ ok: true, name: "Anaïs" });
    expect(checkDisplayName("Nguye\u0302\u0303n")).toMatchObject({ ok: true, name: "Nguyễn" });
    // Cyrillic і and a diaeresis are ї.
    expect(checkDisplayName("\u0456\u0308жак")).toMatchObject({ ok: true, name: "\u0457жак" });
  });

  it("leaves look-alikes without marks to the skeleton", () => {
    for (const name of ["bob३", "þete", "ƿete", "០"]) expect(checkDisplayName(name)).toMatchObject({ ok: true, name });
  });
});

describe("checkDisplayName: visible letters", () => {
  it("refuses a name of blanks, punctuation or symbols only", () => {
    expect(checkDisplayName("\u2800")).toEqual(noLetter);
    expect(checkDisplayName("\u2800 \u2800\u2800")).toEqual(noLetter);
    expect(checkDisplayName("...")).toEqual(noLetter);
    expect(checkDisplayName("-_-")).toEqual(noLetter);
    expect(checkDisplayName("¿¡—!?")).toEqual(noLetter);
    expect(checkDisplayName("🙂")).toEqual(noLetter);
    expect(checkDisplayName("★ ☆")).toEqual(noLetter);
    // A lone mark has no letter to sit on.
    expect(checkDisplayName("\u0301")).toEqual(noLetter);
    // The Hangul filler is a letter by category, and refused as invisible.
    expect(checkDisplayName("\u3164")).toEqual(refused("name must not contain invisible characters"));
  });

  it("accepts digits, and takes a blank beside letters for a space", () => {
    expect(checkDisplayName("42")).toMatchObject({ ok: true });
    expect(checkDisplayName("३")).toMatchObject({ ok: true });
    expect(checkDisplayName("Bob 🙂")).toMatchObject({ ok: true });
    // The blank is a Braille pattern: beside Latin a script mix, beside Cherokee a space the skeleton trims.
    expect(checkDisplayName("Bob\u2800")).toEqual(mixes("Latin and another script"));
    sameName("ᏣᎳᎩ\u2800", "\u2800ᏣᎳᎩ", "ᏣᎳᎩ");
    sameName("ᏣᎳᎩ\u2800ᏣᎳᎩ", "ᏣᎳᎩ ᏣᎳᎩ");
  });
});

describe("nameSkeleton: confusables data", () => {
  it("is Unicode 17.0 or later, the first data with the pairs below", () => {
    expect(Number.parseFloat(CONFUSABLES_VERSION)).toBeGreaterThanOrEqual(17);
  });

  it("reads the whole table, first entry to last", () => {
    expect(nameSkeleton('Bob "B"')).toBe(nameSkeleton("Bob ''B''"));
    expect(nameSkeleton("\u{32a8f}")).toBe(nameSkeleton("\u{2edb5}"));
  });

  it("gives thorn, wynn and p, Devanagari and ASCII digits, Khmer zero and o one skeleton", () => {
    sameName("þete", "ƿete", "pete", "Pete", "ÞETE");
    sameName("bob३", "bob3");
    sameName("០", "o", "O");
    expect(skeletonOf("pete")).not.toBe(skeletonOf("bete"));
  });

  // Each pair differs under the Unicode 13.0 data this replaced (14.0 to 15.1 added none).
  it("joins pairs new in Unicode 16.0 and 17.0", () => {
    // Bopomofo ER and the Han character 儿; Latin lambda with stroke and Greek lambda with a solidus.
    sameName("ㄦ", "儿");
    sameName("ƛ", "λ\u0338");
    // Coptic vida (beside Coptic o, which was there before) and B; Coptic shima and 6.
    sameName("ⲂⲞⲂ", "BOB");
    sameName("Ϭ", "6");
  });

  it("joins pairs new in the Unicode 18.0 draft", () => {
    // Dotless j, Hangul ieung, N'Ko o.
    sameName("ȷane", "jane");
    sameName("ㅇ", "o");
    sameName("ߋ", "o");
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
  it("accepts every printable ASCII name of 1-32 characters with a letter or digit, trimmed, as it is", () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 40 }),
        (raw) => {
          const trimmed = raw.trim();
          const result = checkDisplayName(raw);
          const fits = trimmed.length > 0 && trimmed.length <= 32 && /[A-Za-z0-9]/.test(trimmed);
          if (fits) expect(result).toMatchObject({ ok: true, name: trimmed });
          else expect(result.ok).toBe(false);
        },
      ),
    );
  });
});
