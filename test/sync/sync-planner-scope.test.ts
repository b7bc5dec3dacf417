/**
 * The planner with items out of the filter's scope ("out of scope is not deleted"), folders kept
 * on one side because they were not empty, and the wording and kind of twin errors. Pure: the
 * scan's out-of-scope lists and the file-state notes are given by hand.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { type BaseEntry, type NoteEntry, type PlanAction } from "../../src/sync/sync-planner.js";
import { planSync, type PlanInput } from "./helpers/plan-sync.js";
import { checkPlanSafety } from "../../src/sync/sync-safety.js";
import { type OutOfScopeItem } from "../../src/sync/side-scan.js";
import { filterAll } from "./helpers/filter-entries.js";
import { SyncFilter } from "../../src/sync/sync-filter.js";
import type { RemoteEntry } from "../../src/sync/remote.js";

function f(path: string, fp: string, id?: string, mtimeMs = 1000): RemoteEntry {
  return { path, kind: "file", size: fp.length, mtimeMs, fingerprint: fp, id };
}
function d(path: string, id?: string): RemoteEntry {
  return { path, kind: "folder", size: 0, mtimeMs: 0, fingerprint: "", id };
}
function base(
  path: string,
  rfp: string,
  lfp: string,
  ids: { r?: string; l?: string } = {},
  kind: "file" | "folder" = "file",
): BaseEntry {
  return {
    path,
    kind,
    remoteId: ids.r ?? null,
    remoteFingerprint: rfp,
    scaidriveId: ids.l ?? null,
    scaidriveFingerprint: lfp,
    sha256: null,
  };
}
function oos(path: string, reason: OutOfScopeItem["reason"], kind: "file" | "folder" = "file"): OutOfScopeItem {
  return { path, kind, reason };
}
function plan(partial: Partial<PlanInput>) {
  return planSync({
    remote: [],
    scaidrive: [],
    base: [],
    direction: "bidirectional",
    conflict: "LAST_WRITER_WINS",
    caseInsensitive: false,
    remoteTitle: "SMB",
    ...partial,
  });
}
function summary(actions: PlanAction[]): string[] {
  return actions.map((a) => {
    switch (a.action) {
      case "copy":
        return `copy ${a.from}:${a.source.path}->${a.toPath}${a.checkIdentical ? " check" : ""}`;
      case "move":
        return `move ${a.side}:${a.from}->${a.to}`;
      case "mkdir":
        return `mkdir ${a.side}:${a.path}`;
      case "delete":
        return `delete ${a.side}:${a.path}${a.kept ? " kept" : ""}`;
      case "conflict":
        return `conflict ${a.remote.path} ${a.resolution}`;
      case "adopt":
        return `adopt ${a.remote.path}`;
      case "forget":
        return `forget ${a.path}`;
      case "error":
        return `error ${a.path} ${a.code}`;
      case "untrack":
      case "out_of_scope":
        return `${a.action} ${a.path}`;
    }
  });
}
const details = (actions: PlanAction[]) =>
  actions.flatMap((a) => (a.action === "untrack" || a.action === "out_of_scope" ? [a.detail] : []));
const messages = (actions: PlanAction[]) =>
  actions.flatMap((a) => (a.action === "untrack" || a.action === "out_of_scope" ? [a.message] : []));

describe("planner: an item leaving the filter's scope is untracked, never deleted", () => {
  const synced = [base("a.txt", "r1", "l1", { r: "R1", l: "L1" }), base("b.txt", "r2", "l2")];

  for (const direction of ["bidirectional", "remote_to_scaidrive", "scaidrive_to_remote"] as const) {
    test(
      `${direction}: a synced file hidden on the ` + `remote is untracked; nothing is deleted on either side`,
      async () => {
        const p = await plan({
          direction,
          remote: [f("b.txt", "r2")],
          scaidrive: [f("a.txt", "l1", "L1"), f("b.txt", "l2")],
          base: synced,
          outOfScope: { remote: [oos("a.txt", "hidden")] },
        });
        assert.deepEqual(summary(p.actions), ["untrack a.txt"]);
        assert.deepEqual(details(p.actions), ["hidden on SMB: no longer synced; nothing deleted"]);
        assert.deepEqual(p.deletes, { remote: 0, scaidrive: 0 });
      },
    );
  }

  test("each reason says why; a folder's subtree is untracked item by item", async () => {
    const p = await plan({
      remote: [d("keep"), f("keep/k.txt", "k")],
      scaidrive: [
        d("keep"),
        f("keep/k.txt", "k"),
        d("dir"),
        f("dir/x.txt", "lx"),
        f("sys.dat", "ls"),
        f("n.tmp", "ln"),
        f("link", "ll"),
        f("doc.txt", "ld"),
      ],
      base: [
        base("keep", "", "", {}, "folder"),
        base("keep/k.txt", "k", "k"),
        base("dir", "", "", {}, "folder"),
        base("dir/x.txt", "rx", "lx"),
        base("sys.dat", "rs", "ls"),
        base("n.tmp", "rn", "ln"),
        base("link", "rl", "ll"),
        base("doc.txt", "rd", "ld"),
      ],
      outOfScope: {
        remote: [
          oos("dir", "hidden", "folder"),
          oos("sys.dat", "system"),
          oos("n.tmp", "excluded"),
          oos("link", "reparse_point"),
          oos("doc.txt", "not_included"),
        ],
        scaidrive: [oos("n.tmp", "excluded"), oos("doc.txt", "not_included")],
      },
    });
    assert.deepEqual(summary(p.actions), [
      "untrack dir",
      "untrack dir/x.txt",
      "untrack doc.txt",
      "untrack link",
      "untrack n.tmp",
      "untrack sys.dat",
    ]);
    assert.deepEqual(details(p.actions), [
      "hidden on SMB: no longer synced; nothing deleted",
      'inside "dir", which is hidden on SMB: no longer synced; nothing deleted',
      "not matched by the connector's include patterns: no longer synced; nothing deleted",
      "a link (reparse point) on SMB: no longer synced; nothing deleted",
      "excluded by the connector's exclude patterns: no longer synced; nothing deleted",
      "a system file on SMB: no longer synced; nothing deleted",
    ]);
  });

  test(
    "untracks are not deletions: the safety stop does not " + "trip, even when every tracked file left the scope",
    async () => {
      const b = [base("h1", "r", "l"), base("h2", "r", "l"), base("h3", "r", "l")];
      const p = await plan({
        remote: [],
        scaidrive: [f("h1", "l"), f("h2", "l"), f("h3", "l")],
        base: b,
        outOfScope: { remote: [oos("h1", "hidden"), oos("h2", "hidden"), oos("h3", "hidden")] },
      });
      assert.deepEqual(summary(p.actions), ["untrack h1", "untrack h2", "untrack h3"]);
      checkPlanSafety(p, { maxDeletePercent: 50 });
    },
  );

  test("a case-insensitive remote matches the out-of-scope item by key", async () => {
    const p = await plan({
      caseInsensitive: true,
      scaidrive: [f("report.pdf", "l1")],
      base: [base("Report.PDF", "r1", "l1")],
      outOfScope: { remote: [oos("Report.PDF", "hidden")] },
    });
    assert.deepEqual(summary(p.actions), ["untrack Report.PDF"]);
  });
});

describe("planner: an out-of-scope counterpart is neither pushed over nor deleted, and said once", () => {
  const hidden = { remote: [oos("x.txt", "hidden")] };
  const message = "hidden on SMB: out of scope, not synced; nothing deleted";

  test("scaidrive_to_remote: a ScaiDrive file whose remote counterpart is hidden is not pushed", async () => {
    const p = await plan({ direction: "scaidrive_to_remote", scaidrive: [f("x.txt", "l")], outOfScope: hidden });
    assert.deepEqual(summary(p.actions), ["out_of_scope x.txt"]);
    assert.deepEqual(details(p.actions), [
      "hidden on SMB: not synced; the ScaiDrive file of the same name is neither copied over it nor deleted",
    ]);
    assert.deepEqual(messages(p.actions), [message]);
  });

  test("remote_to_scaidrive: the ScaiDrive file is not deleted because its remote counterpart is hidden", async () => {
    const p = await plan({ direction: "remote_to_scaidrive", scaidrive: [f("x.txt", "l")], outOfScope: hidden });
    assert.deepEqual(summary(p.actions), ["out_of_scope x.txt"]);
    assert.equal(p.deletes.scaidrive, 0);
  });

  test("a ScaiDrive file inside a folder hidden on the remote is not pushed into it", async () => {
    const p = await plan({
      scaidrive: [d("dir"), f("dir/new.txt", "l")],
      outOfScope: { remote: [oos("dir", "hidden", "folder")] },
    });
    assert.deepEqual(summary(p.actions), ["out_of_scope dir", "out_of_scope dir/new.txt"]);
  });

  test("later runs say nothing while the note says the same; a new reason is said again", async () => {
    const note: NoteEntry = { path: "x.txt", kind: "file", code: "out_of_scope", message };
    assert.deepEqual(
      summary(
        (
          await plan({
            direction: "scaidrive_to_remote",
            scaidrive: [f("x.txt", "l")],
            outOfScope: hidden,
            notes: [note],
          })
        ).actions,
      ),
      [],
    );
    const p = await plan({
      direction: "scaidrive_to_remote",
      scaidrive: [f("x.txt", "l")],
      outOfScope: { remote: [oos("x.txt", "system")] },
      notes: [note],
    });
    assert.deepEqual(summary(p.actions), ["out_of_scope x.txt"]);
    assert.deepEqual(messages(p.actions), ["a system file on SMB: out of scope, not synced; nothing deleted"]);
  });

  test("an untracked item's note keeps later runs quiet", async () => {
    const note: NoteEntry = { path: "x.txt", kind: "file", code: "out_of_scope", message };
    assert.deepEqual(
      summary((await plan({ scaidrive: [f("x.txt", "l")], outOfScope: hidden, notes: [note] })).actions),
      [],
    );
  });

  test("an out-of-scope item with nothing on the other side is not logged", async () => {
    assert.deepEqual(summary((await plan({ outOfScope: hidden })).actions), []);
  });
});

describe("planner: back in scope, the item is matched again", () => {
  const note: NoteEntry = {
    path: "x.txt",
    kind: "file",
    code: "out_of_scope",
    message: "hidden on SMB: out of scope, not synced; nothing deleted",
  };

  test("both sides present with no base: compared by content (a conflict resolved by content)", async () => {
    const p = await plan({ remote: [f("x.txt", "r")], scaidrive: [f("x.txt", "l", "L")], notes: [note] });
    assert.deepEqual(summary(p.actions), ["conflict x.txt remote"]);
  });

  test("one-way: overwrites check content first", async () => {
    const p = await plan({
      direction: "remote_to_scaidrive",
      remote: [f("x.txt", "r")],
      scaidrive: [f("x.txt", "l", "L")],
      notes: [note],
    });
    assert.deepEqual(summary(p.actions), ["copy remote:x.txt->x.txt check"]);
  });

  test("only one side holds it: copied to the other, never deleted", async () => {
    assert.deepEqual(summary((await plan({ scaidrive: [f("x.txt", "l")], notes: [note] })).actions), [
      "copy scaidrive:x.txt->x.txt",
    ]);
    assert.deepEqual(summary((await plan({ remote: [f("x.txt", "r")], notes: [note] })).actions), [
      "copy remote:x.txt->x.txt",
    ]);
  });

  test("gone from both sides: the note is forgotten", async () => {
    assert.deepEqual(summary((await plan({ notes: [note] })).actions), ["forget x.txt"]);
  });
});

describe("planner: a folder kept on one side because it was not empty", () => {
  const kept: NoteEntry = {
    path: "proj",
    kind: "folder",
    code: "kept_on_remote",
    message: "deleted in ScaiDrive; kept on SMB",
  };

  test("bidirectional: not re-created in ScaiDrive; its delete is retried quietly", async () => {
    const p = await plan({ remote: [d("proj")], notes: [kept] });
    assert.deepEqual(summary(p.actions), ["delete remote:proj kept"]);
  });

  test("scaidrive_to_remote: the same", async () => {
    assert.deepEqual(
      summary((await plan({ direction: "scaidrive_to_remote", remote: [d("proj")], notes: [kept] })).actions),
      ["delete remote:proj kept"],
    );
  });

  test("new synced content on the remote is pulled (the folder comes back with it)", async () => {
    const p = await plan({ remote: [d("proj"), f("proj/new.txt", "n")], notes: [kept] });
    assert.deepEqual(summary(p.actions), ["copy remote:proj/new.txt->proj/new.txt", "delete remote:proj kept"]);
  });

  test("gone on the remote: the note is forgotten; re-created in ScaiDrive: adopted", async () => {
    assert.deepEqual(summary((await plan({ notes: [kept] })).actions), ["forget proj"]);
    assert.deepEqual(summary((await plan({ remote: [d("proj")], scaidrive: [d("proj")], notes: [kept] })).actions), [
      "adopt proj",
    ]);
  });

  test("kept in ScaiDrive after a remote delete: not re-created on the remote", async () => {
    const note: NoteEntry = {
      path: "proj",
      kind: "folder",
      code: "kept_on_scaidrive",
      message: "deleted on SMB; kept in ScaiDrive",
    };
    assert.deepEqual(summary((await plan({ scaidrive: [d("proj")], notes: [note] })).actions), [
      "delete scaidrive:proj kept",
    ]);
  });

  test("a note of the other side does not hold a folder back", async () => {
    const note: NoteEntry = { path: "proj", kind: "folder", code: "kept_on_scaidrive", message: "" };
    assert.deepEqual(summary((await plan({ remote: [d("proj")], notes: [note] })).actions), ["mkdir scaidrive:proj"]);
  });
});

describe("planner: twin names", () => {
  test("NFC/NFD twins are reported as differing in Unicode normalisation, case twins in case", async () => {
    const p = await plan({
      caseInsensitive: true,
      remote: [f("café.txt", "a"), f("café.txt", "b"), f("Dup.txt", "c"), f("dup.txt", "d")],
    });
    const errors = p.actions.filter((a): a is Extract<PlanAction, { action: "error" }> => a.action === "error");
    assert.deepEqual(errors.map((e) => e.message).sort(), [
      '"Dup.txt" differs from another SMB name only in case, which the remote cannot hold apart',
      '"café.txt" differs from another SMB name only in Unicode ' +
        "normalisation (NFC/NFD), which the sync cannot hold apart",
      '"café.txt" differs from another SMB name only in Unicode ' +
        "normalisation (NFC/NFD), which the sync cannot hold apart",
      '"dup.txt" differs from another SMB name only in case, which the remote cannot hold apart',
    ]);
  });

  test("without a title the remote is called the remote", async () => {
    const p = await plan({
      remoteTitle: undefined,
      caseInsensitive: true,
      remote: [f("Dup.txt", "c"), f("dup.txt", "d")],
      scaidrive: [f("x.txt", "l")],
      outOfScope: { remote: [oos("x.txt", "hidden")] },
    });
    const errors = p.actions.filter((a): a is Extract<PlanAction, { action: "error" }> => a.action === "error");
    assert.match(errors[0]!.message, /differs from another remote name only in case/);
    assert.deepEqual(details(p.actions), [
      "hidden on the remote: not synced; the ScaiDrive file of the same name is neither copied over it nor deleted",
    ]);
  });

  test("twin folders and what is inside them carry their kind", async () => {
    const p = await plan({ caseInsensitive: true, scaidrive: [d("Docs"), d("docs"), f("docs/in.txt", "c")] });
    const errors = p.actions.filter((a): a is Extract<PlanAction, { action: "error" }> => a.action === "error");
    assert.deepEqual(errors.map((e) => `${e.path} ${e.kind}`).sort(), [
      "Docs folder",
      "docs folder",
      "docs/in.txt file",
    ]);
    assert.match(
      errors.find((e) => e.path === "docs/in.txt")!.message,
      /inside "docs", whose name differs from another ScaiDrive name only in case/,
    );
  });
});

describe("filterEntries: what is left out, and why", () => {
  const file = (path: string, extra: Partial<RemoteEntry> = {}): RemoteEntry => ({
    path,
    kind: "file",
    size: 0,
    mtimeMs: 0,
    fingerprint: "f",
    id: `id-${path}`,
    ...extra,
  });
  const folder = (path: string, extra: Partial<RemoteEntry> = {}): RemoteEntry => ({
    path,
    kind: "folder",
    size: 0,
    mtimeMs: 0,
    fingerprint: "",
    ...extra,
  });
  test("each out-of-scope item with its reason; a left-out folder's content is not listed one by one", async () => {
    const filter = new SyncFilter(
      { exclude_patterns: { patterns: ["*.tmp"] }, include_patterns: { extensions: ["txt", "tmp"] } },
      { caseInsensitive: false },
    );
    const got = await filterAll(
      [
        folder("h", { hidden: true }),
        file("h/a.txt"),
        file("s.txt", { system: true }),
        file("x.tmp"),
        file("p.pdf"),
        file("l.txt", { reparsePoint: true }),
        file("ok.txt"),
      ],
      filter,
    );
    assert.deepEqual(
      got.entries.map((e) => e.path),
      ["ok.txt"],
    );
    assert.deepEqual(got.outOfScope, [
      { path: "h", kind: "folder", reason: "hidden" },
      { path: "s.txt", kind: "file", reason: "system" },
      { path: "x.tmp", kind: "file", reason: "excluded" },
      { path: "p.pdf", kind: "file", reason: "not_included" },
      { path: "l.txt", kind: "file", reason: "reparse_point" },
    ]);
  });
});
