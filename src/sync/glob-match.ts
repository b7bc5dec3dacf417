/**
 * Glob patterns as connectors' `include_patterns.patterns` / `exclude_patterns.patterns` use
 * them, matched without backtracking so that no pattern can stall the server (a backtracking
 * RegExp took seconds for `*a*a*a*a*ab` against a 200-character name, and ~40× more per extra
 * `*a`).
 *
 * Syntax (matching is on Unicode code points, the whole subject must match):
 * - `*`   any run of characters within one path segment (not `/`);
 * - `**`  any run of characters across segments, except line terminators (\n \r U+2028 U+2029);
 *         `**` followed by `/` is zero or more whole leading segments: empty, or such a run
 *         ending in `/`; `***` is `**` then `*`;
 * - `?`   one character except `/`;
 * - `[abc]`, `[a-z]`, `[!abc]`, `[^abc]` one character in (not in) the class. The first character
 *         after `[` (after `!`/`^` too) belongs to the body even when it is `]`, so `[]a]` is `]`
 *         or `a`, and `[!]` / `[^]` match any one character (even `/`); `\` is an ordinary
 *         character; `-` between two characters is a range, elsewhere a literal; a range whose
 *         ends are out of order matches nothing. A `[` with no `]` after its first character is a
 *         literal;
 * - everything else is literal (a lone `]` too).
 * Case-insensitive matching is that of a JavaScript RegExp with the `iu` flags (Unicode simple
 * case folding: `ß` matches `ẞ`, `k` matches the Kelvin sign, `i` does not match `İ`): characters
 * are compared through single-character RegExps, which have nothing to backtrack over.
 *
 * These are exactly the semantics of the RegExp compiler this replaces, except that a lone `]`
 * and an out-of-order range made that compiler throw (failing every sync of the connector).
 *
 * Cost. A pattern compiles in one pass to a Thompson NFA (`compile`) with at most one state per
 * pattern character (`**` followed by `/` is three states for three characters, every other
 * construct one state for one or more characters) plus the final state; `test` keeps the set of
 * states reachable after each code point of the subject. Each state enters the set at most once
 * per code point (a generation mark), follows at most two ε-edges, and makes at most one
 * character test, which costs O(1) — a comparison, or one run of a single-character RegExp, which
 * is fixed-width and has no quantifier or alternation — except a case-sensitive class, which
 * costs O(k) for its k body characters (and k of the pattern's characters made that one state).
 * So each code point of the subject costs O(pattern length), and a match
 * O(subject length × pattern length), whatever the input.
 */

const SLASH = 0x2f;

type CharTest = (cp: number) => boolean;

/** Consumes one character matching `test`, then goes on to the next state. */
interface OneState {
  kind: "one";
  test: CharTest;
}
/** Consumes any number of characters matching `test` (ε to the next state). */
interface ManyState {
  kind: "many";
  test: CharTest;
}
/** Consumes nothing; ε to the next state and to `to` (a later state). */
interface SkipState {
  kind: "skip";
  to: number;
}
type State = OneState | ManyState | SkipState;

const notSlash: CharTest = (cp) => cp !== SLASH;
// RegExp `.` without the `s` flag.
const notLineTerminator: CharTest = (cp) => cp !== 0x0a && cp !== 0x0d && cp !== 0x2028 && cp !== 0x2029;
const isSlash: CharTest = (cp) => cp === SLASH;

const asciiLower = (cp: number): number => (cp >= 0x41 && cp <= 0x5a ? cp + 0x20 : cp);
const escapeCodePoint = (cp: number): string => `\\u{${cp.toString(16)}}`;

/** A RegExp-backed test for one character against `^[...]$` with the `iu` flags, built on first use. */
function caseInsensitiveTest(classSource: string): CharTest {
  let re: RegExp | undefined;
  return (cp) => (re ??= new RegExp(`^${classSource}$`, "iu")).test(String.fromCodePoint(cp));
}

function literalTest(lit: number, caseInsensitive: boolean): CharTest {
  if (!caseInsensitive) return (cp) => cp === lit;
  const folded = caseInsensitiveTest(`[${escapeCodePoint(lit)}]`);
  // Two ASCII characters are case-equivalent under Unicode folding exactly when their ASCII
  // lower cases are equal; anything else goes through the RegExp (e.g. `k` and the Kelvin sign).
  return (cp) => cp === lit || (cp < 0x80 && lit < 0x80 ? asciiLower(cp) === asciiLower(lit) : folded(cp));
}

/** `body` is the text between `[` and `]`, `!`/`^` included. */
function classTest(body: string, caseInsensitive: boolean): CharTest {
  const negate = body.startsWith("!") || body.startsWith("^");
  const atoms = Array.from(negate ? body.slice(1) : body, (ch) => ch.codePointAt(0)!);
  // RegExp class grammar with every character literal: `x-y` is a range when `-` has a
  // character on both sides, left to right.
  const ranges: Array<[number, number]> = [];
  for (let i = 0; i < atoms.length;) {
    if (atoms[i + 1] === 0x2d && i + 2 < atoms.length) {
      if (atoms[i]! <= atoms[i + 2]!) ranges.push([atoms[i]!, atoms[i + 2]!]);
      i += 3;
    } else {
      ranges.push([atoms[i]!, atoms[i]!]);
      i += 1;
    }
  }
  if (caseInsensitive) {
    const items = ranges
      .map(([lo, hi]) => (lo === hi ? escapeCodePoint(lo) : `${escapeCodePoint(lo)}-${escapeCodePoint(hi)}`))
      .join("");
    return caseInsensitiveTest(`[${negate ? "^" : ""}${items}]`);
  }
  return (cp) => {
    for (const [lo, hi] of ranges) if (cp >= lo && cp <= hi) return !negate;
    return negate;
  };
}

function compile(pattern: string, caseInsensitive: boolean): State[] {
  const states: State[] = [];
  const lastClose = pattern.lastIndexOf("]");
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === "*") {
      if (pattern[i + 1] === "*") {
        i++;
        if (pattern[i + 1] === "/") {
          i++;
          // (?:.*/)? — skip, or a run ending in "/".
          const at = states.length;
          states.push(
            { kind: "skip", to: at + 3 },
            { kind: "many", test: notLineTerminator },
            { kind: "one", test: isSlash },
          );
        } else {
          states.push({ kind: "many", test: notLineTerminator });
        }
      } else {
        states.push({ kind: "many", test: notSlash });
      }
    } else if (c === "?") {
      states.push({ kind: "one", test: notSlash });
    } else if (c === "[" && lastClose >= i + 2) {
      const close = pattern.indexOf("]", i + 2);
      states.push({ kind: "one", test: classTest(pattern.slice(i + 1, close), caseInsensitive) });
      i = close;
    } else {
      const cp = pattern.codePointAt(i)!;
      if (cp > 0xffff) i++;
      states.push({ kind: "one", test: literalTest(cp, caseInsensitive) });
    }
  }
  return states;
}

/** One compiled glob; see the module comment for syntax and cost. */
export class Glob {
  private readonly states: State[];
  // Reused between calls (test is synchronous): the current and next state sets, and the
  // generation in which each state last entered a set.
  private current: Int32Array;
  private next: Int32Array;
  private readonly mark: Uint32Array;
  private generation = 0;

  constructor(
    readonly pattern: string,
    readonly caseInsensitive: boolean,
  ) {
    this.states = compile(pattern, caseInsensitive);
    const size = this.states.length + 1;
    this.current = new Int32Array(size);
    this.next = new Int32Array(size);
    this.mark = new Uint32Array(size);
  }

  /** Whether the whole of `subject` matches. */
  test(subject: string): boolean {
    const final = this.states.length;
    this.newGeneration();
    let count = this.add(this.current, 0, 0);
    for (let i = 0; i < subject.length && count > 0;) {
      const cp = subject.codePointAt(i)!;
      i += cp > 0xffff ? 2 : 1;
      this.newGeneration();
      let nextCount = 0;
      for (let k = 0; k < count; k++) {
        const s = this.current[k]!;
        const st = this.states[s];
        if (st === undefined || st.kind === "skip" || !st.test(cp)) continue;
        nextCount = this.add(this.next, nextCount, st.kind === "one" ? s + 1 : s);
      }
      [this.current, this.next] = [this.next, this.current];
      count = nextCount;
    }
    for (let k = 0; k < count; k++) if (this.current[k] === final) return true;
    return false;
  }

  private newGeneration(): void {
    if (++this.generation === 0xffffffff) {
      this.mark.fill(0);
      this.generation = 1;
    }
  }

  /**
   * Adds state `s` and its ε-closure to `set` (holding `count` states); returns the new count.
   * ε-edges only go forward and a state is added once per generation, so the work list `set`
   * itself serves as the stack: everything from `count` on is yet to be expanded.
   */
  private add(set: Int32Array, count: number, s: number): number {
    let end = this.push(set, count, s);
    for (let k = count; k < end; k++) {
      const from = set[k]!;
      const st = this.states[from];
      if (st === undefined || st.kind === "one") continue;
      end = this.push(set, end, from + 1);
      if (st.kind === "skip") end = this.push(set, end, st.to);
    }
    return end;
  }

  private push(set: Int32Array, end: number, s: number): number {
    if (this.mark[s] === this.generation) return end;
    this.mark[s] = this.generation;
    set[end] = s;
    return end + 1;
  }
}

export function compileGlob(pattern: string, options: { caseInsensitive: boolean }): Glob {
  return new Glob(pattern, options.caseInsensitive);
}
