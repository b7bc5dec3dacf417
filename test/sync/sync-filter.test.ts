import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { SubtreeFilter, SyncFilter } from "../../src/sync/sync-filter.js";
import { compileGlob } from "../../src/sync/glob-match.js";

const file = (path: string, extra: object = {}) => ({ path, kind: "file" as const, ...extra });
const folder = (path: string, extra: object = {}) => ({ path, kind: "folder" as const, ...extra });

describe("glob", () => {
  test("* stays in a segment, ** crosses, ? and classes", () => {
    assert.ok(compileGlob("*.tmp", { caseInsensitive: false }).test("a.tmp"));
    assert.ok(!compileGlob("*.tmp", { caseInsensitive: false }).test("d/a.tmp"));
    assert.ok(compileGlob("**/*.tmp", { caseInsensitive: false }).test("d/e/a.tmp"));
    assert.ok(compileGlob("**/*.tmp", { caseInsensitive: false }).test("a.tmp"));
    assert.ok(compileGlob("build/**", { caseInsensitive: false }).test("build/x/y"));
    assert.ok(compileGlob("file?.[ch]", { caseInsensitive: false }).test("file1.c"));
    assert.ok(!compileGlob("file?.[!ch]", { caseInsensitive: false }).test("file1.c"));
    assert.ok(compileGlob("~$*", { caseInsensitive: false }).test("~$budget.xlsx"));
    assert.ok(compileGlob("a+b (1).txt", { caseInsensitive: false }).test("a+b (1).txt"));
    assert.ok(compileGlob("THUMBS.DB", { caseInsensitive: true }).test("Thumbs.db"));
    assert.ok(!compileGlob("THUMBS.DB", { caseInsensitive: false }).test("Thumbs.db"));
  });
});

describe("SyncFilter", () => {
  const spec = {
    include_patterns: { extensions: ["pdf", ".DOCX"], patterns: ["keep/*.bin"] },
    exclude_patterns: { patterns: ["~$*", ".DS_Store", "Thumbs.db", "tmp"] },
  };
  test("the spec's example: include extensions, exclude Office lock files and OS litter", () => {
    const sf = new SyncFilter(spec, { caseInsensitive: true });
    assert.deepEqual(sf.check(file("a/report.pdf")), { sync: true });
    assert.deepEqual(sf.check(file("a/Report.PDF")), { sync: true });
    assert.deepEqual(sf.check(file("letter.docx")), { sync: true });
    assert.deepEqual(sf.check(file("notes.txt")), { sync: false, reason: "not_included" });
    assert.deepEqual(sf.check(file("keep/x.bin")), { sync: true });
    assert.deepEqual(sf.check(file("other/keep/x.bin")), { sync: false, reason: "not_included" });
    assert.deepEqual(sf.check(file("~$report.docx")), { sync: false, reason: "excluded" });
    assert.deepEqual(sf.check(file("sub/thumbs.DB")), { sync: false, reason: "excluded" });
    assert.deepEqual(sf.check(folder("any/folder")), { sync: true });
  });
  test("case-sensitive remotes match globs exactly", () => {
    const sf = new SyncFilter(spec, { caseInsensitive: false });
    assert.deepEqual(sf.check(file("thumbs.db")), { sync: false, reason: "not_included" });
    assert.deepEqual(sf.check(folder("THUMBS.DB")), { sync: true });
  });
  test("hidden, system and reparse points", () => {
    const sf = new SyncFilter({}, { caseInsensitive: false });
    assert.deepEqual(sf.check(file("h", { hidden: true })), { sync: false, reason: "hidden" });
    assert.deepEqual(sf.check(file("s", { system: true })), { sync: false, reason: "system" });
    assert.deepEqual(sf.check(folder("l", { reparsePoint: true })), { sync: false, reason: "reparse_point" });
    const all = new SyncFilter({ sync_hidden_files: true, sync_system_files: true }, { caseInsensitive: false });
    assert.deepEqual(all.check(file("h", { hidden: true, system: true })), { sync: true });
    assert.deepEqual(all.check(file("l", { reparsePoint: true })), { sync: false, reason: "reparse_point" });
  });
  test("an excluded or hidden folder takes its subtree with it", () => {
    const st = new SubtreeFilter(
      new SyncFilter({ exclude_patterns: { patterns: ["tmp"] } }, { caseInsensitive: false }),
    );
    assert.deepEqual(st.check(folder("a/tmp")), { sync: false, reason: "excluded" });
    assert.deepEqual(st.check(file("a/tmp/x.pdf")), { sync: false, reason: "inside_skipped_folder" });
    assert.deepEqual(st.check(file("a/tmpfile")), { sync: true });
    const hidden = new SubtreeFilter(new SyncFilter({}, { caseInsensitive: false }));
    hidden.check(folder(".git", { hidden: true }));
    assert.deepEqual(hidden.check(file(".git/config")), { sync: false, reason: "inside_skipped_folder" });
  });
});
