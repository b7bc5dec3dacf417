/**
 * The connector glob matcher against two references:
 * (a) the backtracking RegExp compiler it replaced, kept below verbatim (fine on short inputs), over
 *     random patterns and names from a small alphabet chosen to hit every edge of the syntax —
 *     `*`, `**`, `**` + `/`, `?`, classes with `!`/`^`/`-`/`]`/`\`, unclosed `[`, line terminators
 *     (RegExp `.` skips them), an astral character (one code point, two UTF-16 units), and the
 *     characters whose `iu` case folding is not ASCII's (`ß`/`ẞ`, `k`/Kelvin sign, `s`/`ſ`);
 * (b) picomatch, for the forms users write (`*.ext`, `~$*`, `name?`, `[abc]x`, `dir/**`,
 *     `**` + `/name`, `a/*` + `/b`) over realistic names and relative paths.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import picomatch from "picomatch";
import { compileGlob } from "../../src/sync/glob-match.js";

/** The compiler this matcher replaced (ScaiDrive ≤ 2026-11), unchanged. */
function oldGlobToRegExp(pattern: string, caseInsensitive: boolean): RegExp {
  let out = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === "*") {
      if (pattern[i + 1] === "*") {
        i++;
        if (pattern[i + 1] === "/") {
          i++;
          out += "(?:.*/)?";
        } else {
          out += ".*";
        }
      } else {
        out += "[^/]*";
      }
    } else if (c === "?") {
      out += "[^/]";
    } else if (c === "[") {
      const close = pattern.indexOf("]", i + 2);
      if (close < 0) {
        out += "\\[";
        continue;
      }
      let body = pattern.slice(i + 1, close);
      const negate = body.startsWith("!") || body.startsWith("^");
      if (negate) body = body.slice(1);
      out += `[${negate ? "^" : ""}${body.replace(/[\\\]^]/g, "\\$&")}]`;
      i = close;
    } else {
      out += c.replace(/[.+^${}()|\\]/g, "\\$&");
    }
  }
  return new RegExp(`^${out}$`, caseInsensitive ? "iu" : "u");
}

const matches = (pattern: string, subject: string, caseInsensitive = false) =>
  compileGlob(pattern, { caseInsensitive }).test(subject);

describe("glob matcher: syntax", () => {
  test("* stays in a segment, ** crosses it, ** followed by / is zero or more leading segments", () => {
    assert.ok(matches("*", ""));
    assert.ok(matches("a*b", "ab"));
    assert.ok(!matches("a*b", "a/b"));
    assert.ok(matches("a**b", "a/x/b"));
    assert.ok(matches("**/b", "b"));
    assert.ok(matches("**/b", "/b"));
    assert.ok(matches("**/b", "x/y/b"));
    assert.ok(!matches("**/b", "xb"));
    assert.ok(matches("dir/**", "dir/x/y"));
    assert.ok(matches("dir/**", "dir/"));
    assert.ok(!matches("dir/**", "dir"), "the folder itself is not below itself");
    assert.ok(matches("***", "a/b"), "*** is ** then *");
    assert.ok(!matches("**", "a\nb"), "** is RegExp `.*`, which skips line terminators");
    assert.ok(matches("*", "a\nb"), "* is RegExp [^/]*, which does not");
  });

  test("? is one code point except /", () => {
    assert.ok(matches("?", "😀"));
    assert.ok(!matches("??", "😀"));
    assert.ok(!matches("?", "/"));
    assert.ok(!matches("?", ""));
  });

  test("classes: ranges, negation with ! or ^, ] first, \\ literal, unclosed [ literal", () => {
    assert.ok(matches("[a-c]x", "bx"));
    assert.ok(!matches("[a-c]x", "dx"));
    assert.ok(matches("[!a-c]x", "dx"));
    assert.ok(matches("[^a-c]x", "dx"));
    assert.ok(!matches("[^a-c]x", "ax"));
    assert.ok(matches("[]a]", "]"));
    assert.ok(matches("[!]", "/"), "[!] is RegExp [^]: any one character");
    assert.ok(matches("[\\]", "\\"));
    assert.ok(matches("[a-]", "-"));
    assert.ok(matches("[a-c-e]", "-"));
    assert.ok(!matches("[a-c-e]", "d"));
    assert.ok(matches("[", "["));
    assert.ok(matches("a[b", "a[b"));
    assert.ok(matches("[]", "[]"), "[ needs a ] after its first character");
    assert.ok(matches("[😀-😂]", "😁"));
  });

  test("where the old compiler threw: a lone ] is literal, an out-of-order range matches nothing", () => {
    assert.throws(() => oldGlobToRegExp("a]", false), SyntaxError);
    assert.throws(() => oldGlobToRegExp("[z-a]", false), SyntaxError);
    assert.ok(matches("a]", "a]"));
    assert.ok(!matches("[z-a]", "m"));
    assert.ok(!matches("[z-a]", "z"));
    assert.ok(matches("[z-ab]", "b"));
    assert.ok(matches("[!z-a]", "m"));
    assert.ok(!matches("[z-a]", "m", true));
    assert.ok(matches("[z-ab]", "B", true));
  });

  test("case-insensitive is RegExp `iu`: Unicode simple case folding, no full folding", () => {
    assert.ok(matches("THUMBS.DB", "Thumbs.db", true));
    assert.ok(!matches("THUMBS.DB", "Thumbs.db", false));
    assert.ok(matches("ß", "ẞ", true));
    assert.ok(!matches("ß", "SS", true));
    assert.ok(matches("k", "\u212a", true), "Kelvin sign");
    assert.ok(matches("[a-z]", "\u212a", true));
    assert.ok(!matches("[^a-z]", "\u212a", true));
    assert.ok(matches("S", "ſ", true));
    assert.ok(!matches("i", "İ", true));
    assert.ok(matches("σ", "ς", true));
  });
});

// Characters that exercise every branch of the syntax and of `iu` case folding.
const PATTERN_CHARS = [
  "a",
  "b",
  "A",
  ".",
  "/",
  "*",
  "*",
  "?",
  "[",
  "]",
  "!",
  "^",
  "-",
  "\\",
  "ß",
  "ẞ",
  "k",
  "\u212a",
  "s",
  "ſ",
  "\n",
  "😀",
];
const NAME_CHARS = [
  "a",
  "b",
  "A",
  "B",
  ".",
  "/",
  "/",
  "-",
  "!",
  "[",
  "]",
  "*",
  "?",
  "\\",
  "ß",
  "ẞ",
  "K",
  "\u212a",
  "S",
  "ſ",
  "\n",
  "😀",
];

const patternArb = fc.array(fc.constantFrom(...PATTERN_CHARS), { maxLength: 10 }).map((cs) => cs.join(""));
const randomName = fc.array(fc.constantFrom(...NAME_CHARS), { maxLength: 12 }).map((cs) => cs.join(""));
/** A name shaped like the pattern (wildcards filled in), so that matches are frequent. */
const nameLike = (pattern: string) =>
  fc
    .array(fc.array(fc.constantFrom(...NAME_CHARS), { maxLength: 3 }), {
      minLength: pattern.length,
      maxLength: pattern.length,
    })
    .map((fills) =>
      Array.from(pattern, (ch, i) => (ch === "*" ? fills[i]!.join("") : ch === "?" ? (fills[i]![0] ?? "a") : ch)).join(
        "",
      ),
    );
const patternAndName = patternArb.chain((pattern) =>
  fc.tuple(fc.constant(pattern), fc.oneof(randomName, nameLike(pattern)), fc.boolean()),
);

const oldCompiles = (pattern: string, caseInsensitive: boolean) => {
  try {
    oldGlobToRegExp(pattern, caseInsensitive);
    return true;
  } catch {
    return false;
  }
};

describe("glob matcher: same answers as the RegExp compiler it replaced", () => {
  test("random patterns and names, with and without case-insensitivity", () => {
    fc.assert(
      fc.property(patternAndName, ([pattern, name, caseInsensitive]) => {
        fc.pre(oldCompiles(pattern, caseInsensitive));
        assert.equal(
          matches(pattern, name, caseInsensitive),
          oldGlobToRegExp(pattern, caseInsensitive).test(name),
          JSON.stringify({ pattern, name, caseInsensitive }),
        );
      }),
      { numRuns: 5000 },
    );
  });

  test("a compiled glob gives the same answers when reused for many names", () => {
    fc.assert(
      fc.property(
        patternArb,
        fc.array(randomName, { maxLength: 20 }),
        fc.boolean(),
        (pattern, names, caseInsensitive) => {
          fc.pre(oldCompiles(pattern, caseInsensitive));
          const glob = compileGlob(pattern, { caseInsensitive });
          const re = oldGlobToRegExp(pattern, caseInsensitive);
          for (const name of names)
            assert.equal(glob.test(name), re.test(name), JSON.stringify({ pattern, name, caseInsensitive }));
        },
      ),
      { numRuns: 500 },
    );
  });
});

/*
 * picomatch (options {dot: true, nocase}) agrees with us on the documented forms over realistic
 * subjects, with these differences, which the comparison below leaves out on purpose:
 * - `dir/**` matches the folder `dir` itself in picomatch; ours matches only what is below it
 *   (excluding `dir/**` leaves an empty `dir` in the sync; excluding `dir` drops the subtree).
 * - picomatch treats a subject equal to the pattern text as a match (`[abc]x` matches "[abc]x"),
 *   and a `[` class it cannot use as the literal text; subjects here contain no `[`.
 * - `[!abc]` is a class of `!`, a, b, c in picomatch 4, a negated class for us; and picomatch's
 *   `[^abc]` never matches `/`. Only `[abc]` and `[^abc]` in name globs (no `/`) are compared.
 * - picomatch never lets `*` or `**` match a `.` or `..` segment, nor `**` an empty segment;
 *   relative paths have neither, and neither do the subjects here.
 * - picomatch's `nocase` is the RegExp `i` flag without `u`: no `ß`/`ẞ`, Kelvin sign or `ſ`
 *   folding. Subjects here are ASCII; non-ASCII folding is compared with the old compiler above.
 */
/** The folder `dir` itself, spelled as the matcher compares names (ASCII subjects). */
const sameName = (a: string, b: string, nocase: boolean) => (nocase ? a.toLowerCase() === b.toLowerCase() : a === b);
const WORD_CHARS = ["a", "b", "c", "A", "B", "C", "x", "1", "_"];
const SEGMENT_CHARS = [...WORD_CHARS, ".", "~", "$", "-", " "];
const word = fc.array(fc.constantFrom(...WORD_CHARS), { minLength: 1, maxLength: 3 }).map((cs) => cs.join(""));
const segment = fc
  .array(fc.constantFrom(...SEGMENT_CHARS), { minLength: 1, maxLength: 6 })
  .map((cs) => cs.join(""))
  .filter((s) => s !== "." && s !== "..");
const relPath = fc.array(segment, { minLength: 1, maxLength: 4 }).map((ss) => ss.join("/"));
const classBody = fc
  .array(fc.constantFrom("a", "b", "c", "A", "x", "a-c"), { minLength: 1, maxLength: 3 })
  .map((cs) => cs.join(""));

/** [form, pattern generator, subject generator, picomatch answer → ours] */
const forms: Array<
  [
    string,
    fc.Arbitrary<string>,
    (p: string) => fc.Arbitrary<string>,
    (p: string, subject: string, pm: boolean, nocase: boolean) => boolean,
  ]
> = [
  [
    "*.ext",
    word.map((w) => `*.${w}`),
    (p) =>
      fc.oneof(
        segment,
        segment.map((s) => `${s}${p.slice(1)}`),
      ),
    (_p, _s, pm) => pm,
  ],
  [
    "~$*",
    fc.constant("~$*"),
    () =>
      fc.oneof(
        segment,
        segment.map((s) => `~$${s}`),
      ),
    (_p, _s, pm) => pm,
  ],
  [
    "name?",
    word.map((w) => `${w}?`),
    (p) =>
      fc.oneof(
        segment,
        fc.constantFrom(...SEGMENT_CHARS).map((c) => `${p.slice(0, -1)}${c}`),
      ),
    (_p, _s, pm) => pm,
  ],
  [
    "[abc]x",
    fc.tuple(classBody, word).map(([b, w]) => `[${b}]${w}`),
    (p) =>
      fc.oneof(
        segment,
        fc.constantFrom(...WORD_CHARS).map((c) => `${c}${p.slice(p.indexOf("]") + 1)}`),
      ),
    (_p, _s, pm) => pm,
  ],
  [
    "[^abc]x",
    fc.tuple(classBody, word).map(([b, w]) => `[^${b}]${w}`),
    (p) =>
      fc.oneof(
        segment,
        fc.constantFrom(...WORD_CHARS).map((c) => `${c}${p.slice(p.indexOf("]") + 1)}`),
      ),
    (_p, _s, pm) => pm,
  ],
  [
    "dir/**",
    word.map((w) => `${w}/**`),
    (p) =>
      fc.oneof(
        relPath,
        relPath.map((r) => `${p.slice(0, -3)}/${r}`),
        fc.constant(p.slice(0, -3)),
      ),
    (p, s, pm, nocase) => pm && !sameName(s, p.slice(0, -3), nocase),
  ],
  [
    "**/name",
    word.map((w) => `**/${w}`),
    (p) =>
      fc.oneof(
        relPath,
        relPath.map((r) => `${r}/${p.slice(3)}`),
        fc.constant(p.slice(3)),
      ),
    (_p, _s, pm) => pm,
  ],
  [
    "a/*/b",
    fc.tuple(word, word).map(([a, b]) => `${a}/*/${b}`),
    (p) =>
      fc.oneof(
        relPath,
        segment.map((s) => p.replace("*", s)),
      ),
    (_p, _s, pm) => pm,
  ],
];

describe("glob matcher: same answers as picomatch on the documented forms", () => {
  for (const [form, patternGen, subjectGen, expected] of forms) {
    test(form, () => {
      fc.assert(
        fc.property(
          patternGen.chain((p) => fc.tuple(fc.constant(p), subjectGen(p), fc.boolean())),
          ([pattern, subject, nocase]) => {
            const pm = picomatch(pattern, { dot: true, nocase })(subject);
            assert.equal(
              matches(pattern, subject, nocase),
              expected(pattern, subject, pm, nocase),
              JSON.stringify({ pattern, subject, nocase, picomatch: pm }),
            );
          },
        ),
        { numRuns: 1000 },
      );
    });
  }
});
