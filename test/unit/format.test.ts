import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type FormatPart, formatText } from "../../src/client/text/format";

const joined = (parts: FormatPart[]) => parts.map((p) => p.text).join("");
// What markers may take away: stars, backticks, and the line breaks around a fenced block.
const unmarked = (text: string) => text.replace(/[*`\n]/g, "");
// Text built mostly from the characters formatting cares about.
const markupText = fc
  .array(fc.constantFrom("*", "**", "`", "```", "\n", " ", "a", "b", "é", "https://x.io/p", "www.ex.com", "😀", "_"), {
    maxLength: 40,
  })
  .map((pieces) => pieces.join(""));

describe("formatText", () => {
  it("formats code blocks, inline code, strong, emphasis and links", () => {
    expect(formatText("a **b** *c* `d` www.ex.com")).toEqual([
      { text: "a " },
      { text: "b", strong: true },
      { text: " " },
      { text: "c", em: true },
      { text: " " },
      { text: "d", code: true },
      { text: " " },
      { text: "www.ex.com", href: "https://www.ex.com/" },
    ]);
    expect(formatText("look:\n```\nconst a = *1*;\n```\nok")).toEqual([
      { text: "look:" },
      { text: "const a = *1*;", pre: true },
      { text: "ok" },
    ]);
    expect(formatText("**bold *both* https://a.io/x_y**")).toEqual([
      { text: "bold ", strong: true },
      { text: "both", strong: true, em: true },
      { text: " ", strong: true },
      { text: "https://a.io/x_y", strong: true, href: "https://a.io/x_y" },
    ]);
  });

  it("leaves markers that open or close nothing as typed", () => {
    for (const text of ["2 * 3 * 4", "a ** b", "*open", "`open", "```open", "** x**", "<b>hi</b>", "``"]) {
      expect(joined(formatText(text))).toBe(text);
    }
    expect(formatText("javascript:alert(1) www. wwwx.com").every((p) => p.href === undefined)).toBe(true);
    // Code may sit in strong text; its own text stays as typed.
    expect(formatText("**a `*b*` c**")[1]).toEqual({ text: "*b*", code: true, strong: true });
  });

  it("never throws, and shows the text without its markers, in order", () => {
    fc.assert(
      fc.property(fc.oneof(markupText, fc.string({ unit: "grapheme", maxLength: 60 })), (text) => {
        const parts = formatText(text);
        expect(unmarked(joined(parts))).toBe(unmarked(text));
        for (const part of parts) expect(part.text.length).toBeGreaterThan(0);
      }),
      { numRuns: 2000 },
    );
  });

  it("keeps text without markers exactly as typed", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (raw) => {
        const text = raw.replace(/[*`]/g, "");
        expect(joined(formatText(text))).toBe(text);
      }),
      { numRuns: 1000 },
    );
  });

  it("links only to http and https; a code block is only code, and code never a link", () => {
    fc.assert(
      fc.property(markupText, (text) => {
        for (const part of formatText(text)) {
          if (part.href !== undefined) expect(part.href).toMatch(/^https?:\/\//);
          if (part.pre) expect(part.code || part.strong || part.em || part.href).toBeFalsy();
          if (part.code) expect(part.href).toBeUndefined();
        }
      }),
      { numRuns: 1000 },
    );
  });
});
