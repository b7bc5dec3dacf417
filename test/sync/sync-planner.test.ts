import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { type BaseEntry, type PlanAction } from "../../src/sync/sync-planner.js";
import { planSync, type PlanInput } from "./helpers/plan-sync.js";
import { checkPlanSafety } from "../../src/sync/sync-safety.js";
import type { RemoteEntry } from "../../src/sync/remote.js";
import { AppError } from "../../src/core/errors.js";

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
function plan(partial: Partial<PlanInput>) {
  return planSync({
    remote: [],
    scaidrive: [],
    base: [],
    direction: "bidirectional",
    conflict: "LAST_WRITER_WINS",
    caseInsensitive: false,
    ...partial,
  });
}
function summary(actions: PlanAction[]): string[] {
  return actions.map((a) => {
    switch (a.action) {
      case "copy":
        return `copy ${a.from}:${a.source.path}->${a.toPath}${a.checkIdentical ? " check" : ""}`;
      case "move":
        return `move ${a.side}:${a.from}->${a.to} ${a.reason}`;
      case "mkdir":
        return `mkdir ${a.side}:${a.path}`;
      case "delete":
        return `delete ${a.side}:${a.path}`;
      case "conflict":
        return `conflict ${a.remote.path} ${a.resolution}${a.keepBothPath ? ` ${a.keepBothPath}` : ""}`;
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

describe("planner: bidirectional three-way table", () => {
  const b = [base("a.txt", "r1", "l1")];
  test("unchanged on both sides: nothing", async () => {
    assert.deepEqual(
      summary((await plan({ remote: [f("a.txt", "r1")], scaidrive: [f("a.txt", "l1")], base: b })).actions),
      [],
    );
  });
  test("changed on the remote: pull", async () => {
    assert.deepEqual(
      summary((await plan({ remote: [f("a.txt", "r2")], scaidrive: [f("a.txt", "l1")], base: b })).actions),
      ["copy remote:a.txt->a.txt"],
    );
  });
  test("changed in ScaiDrive: push", async () => {
    assert.deepEqual(
      summary((await plan({ remote: [f("a.txt", "r1")], scaidrive: [f("a.txt", "l2")], base: b })).actions),
      ["copy scaidrive:a.txt->a.txt"],
    );
  });
  test("new on either side is copied to the other", async () => {
    const p = await plan({ remote: [f("r.txt", "x")], scaidrive: [f("l.txt", "y")] });
    assert.deepEqual(summary(p.actions), ["copy scaidrive:l.txt->l.txt", "copy remote:r.txt->r.txt"]);
  });
  test("deleted on one side, unchanged on the other: delete there", async () => {
    assert.deepEqual(summary((await plan({ remote: [], scaidrive: [f("a.txt", "l1")], base: b })).actions), [
      "delete scaidrive:a.txt",
    ]);
    assert.deepEqual(summary((await plan({ remote: [f("a.txt", "r1")], scaidrive: [], base: b })).actions), [
      "delete remote:a.txt",
    ]);
  });
  test("deleted on one side, changed on the other: the change wins", async () => {
    assert.deepEqual(summary((await plan({ remote: [], scaidrive: [f("a.txt", "l2")], base: b })).actions), [
      "copy scaidrive:a.txt->a.txt",
    ]);
    assert.deepEqual(summary((await plan({ remote: [f("a.txt", "r2")], scaidrive: [], base: b })).actions), [
      "copy remote:a.txt->a.txt",
    ]);
  });
  test("deleted on both: forget the base", async () => {
    assert.deepEqual(summary((await plan({ base: b })).actions), ["forget a.txt"]);
  });
  test("full sync re-compares unchanged files as conflicts resolved by content", async () => {
    const p = await plan({
      remote: [f("a.txt", "r1")],
      scaidrive: [f("a.txt", "l1")],
      base: b,
      fullSync: true,
      conflict: "REMOTE_WINS",
    });
    assert.deepEqual(summary(p.actions), ["conflict a.txt remote"]);
  });
});

describe("planner: conflicts", () => {
  const b = [base("a.txt", "r1", "l1")];
  const both = async (conflict: PlanInput["conflict"], rm = 1000, lm = 2000) =>
    await plan({
      remote: [f("a.txt", "r2", undefined, rm)],
      scaidrive: [f("a.txt", "l2", undefined, lm)],
      base: b,
      conflict,
    });
  test("LAST_WRITER_WINS picks the newer mtime, the remote on a tie", async () => {
    assert.deepEqual(summary((await both("LAST_WRITER_WINS", 1000, 2000)).actions), ["conflict a.txt scaidrive"]);
    assert.deepEqual(summary((await both("LAST_WRITER_WINS", 3000, 2000)).actions), ["conflict a.txt remote"]);
    assert.deepEqual(summary((await both("LAST_WRITER_WINS", 2000, 2000)).actions), ["conflict a.txt remote"]);
  });
  test("SCAIDRIVE_WINS and REMOTE_WINS", async () => {
    assert.deepEqual(summary((await both("SCAIDRIVE_WINS", 9000, 1)).actions), ["conflict a.txt scaidrive"]);
    assert.deepEqual(summary((await both("REMOTE_WINS", 1, 9000)).actions), ["conflict a.txt remote"]);
  });
  test("KEEP_BOTH names the ScaiDrive copy with a (conflict) suffix, numbered when taken", async () => {
    assert.deepEqual(summary((await both("KEEP_BOTH")).actions), ["conflict a.txt keep_both a (conflict).txt"]);
    const p = await plan({
      remote: [f("a.txt", "r2"), f("a (conflict).txt", "q")],
      scaidrive: [f("a.txt", "l2"), f("a (conflict).txt", "q")],
      base: [...b, base("a (conflict).txt", "q", "q")],
      conflict: "KEEP_BOTH",
    });
    assert.deepEqual(summary(p.actions), ["conflict a.txt keep_both a (conflict 2).txt"]);
  });
  test("new on both sides with no base is a conflict (resolved to nothing if identical)", async () => {
    const p = await plan({ remote: [f("n.txt", "x")], scaidrive: [f("n.txt", "y")], conflict: "KEEP_BOTH" });
    assert.deepEqual(summary(p.actions), ["conflict n.txt keep_both n (conflict).txt"]);
  });
});

describe("planner: one-way directions", () => {
  const b = [base("a.txt", "r1", "l1"), base("b.txt", "r1", "l1")];
  test("remote_to_scaidrive overwrites ScaiDrive edits, restores and deletes ScaiDrive-only files", async () => {
    const p = await plan({
      direction: "remote_to_scaidrive",
      remote: [f("a.txt", "r1"), f("b.txt", "r1")],
      scaidrive: [f("a.txt", "l2"), f("extra.txt", "z")],
      base: b,
    });
    assert.deepEqual(summary(p.actions), [
      "copy remote:a.txt->a.txt check",
      "copy remote:b.txt->b.txt",
      "delete scaidrive:extra.txt",
    ]);
  });
  test("remote_to_scaidrive propagates remote deletes", async () => {
    const p = await plan({
      direction: "remote_to_scaidrive",
      remote: [f("a.txt", "r1")],
      scaidrive: [f("a.txt", "l1"), f("b.txt", "l1")],
      base: b,
    });
    assert.deepEqual(summary(p.actions), ["delete scaidrive:b.txt"]);
  });
  test("scaidrive_to_remote overwrites remote edits and deletes remote-only files", async () => {
    const p = await plan({
      direction: "scaidrive_to_remote",
      remote: [f("a.txt", "r2"), f("b.txt", "r1"), f("r.txt", "r")],
      scaidrive: [f("a.txt", "l1"), f("b.txt", "l1")],
      base: b,
    });
    assert.deepEqual(summary(p.actions), ["copy scaidrive:a.txt->a.txt check", "delete remote:r.txt"]);
  });
});

describe("planner: renames", () => {
  test("on a remote that reuses ids, a same-id file with another fingerprint is a new file, not a rename", async () => {
    const input = {
      remote: [f("new.txt", "r9", "R1")],
      scaidrive: [f("old.txt", "l1", "L1")],
      base: [base("old.txt", "r1", "l1", { r: "R1", l: "L1" })],
    };
    const actions = summary((await plan({ ...input, remoteReusesIds: true })).actions);
    assert.ok(
      actions.includes("delete scaidrive:old.txt") &&
        actions.includes("copy remote:new.txt->new.txt") &&
        actions.length === 2,
      actions.join(", "),
    );
    // An unchanged fingerprint at the new path is still a rename, and without the capability a changed one is too.
    assert.deepEqual(
      summary((await plan({ ...input, remote: [f("new.txt", "r1", "R1")], remoteReusesIds: true })).actions),
      ["move scaidrive:old.txt->new.txt rename"],
    );
    assert.ok(summary((await plan(input)).actions).includes("move scaidrive:old.txt->new.txt rename"));
  });
  test("a file renamed on the remote (same id) is moved in ScaiDrive", async () => {
    const p = await plan({
      remote: [f("new.txt", "r1", "R1")],
      scaidrive: [f("old.txt", "l1", "L1")],
      base: [base("old.txt", "r1", "l1", { r: "R1", l: "L1" })],
    });
    assert.deepEqual(summary(p.actions), ["move scaidrive:old.txt->new.txt rename"]);
  });
  test("a file renamed and edited in ScaiDrive is moved on the remote, then pushed", async () => {
    const p = await plan({
      remote: [f("old.txt", "r1", "R1")],
      scaidrive: [f("sub/new.txt", "l2", "L1"), d("sub", "LD")],
      base: [base("old.txt", "r1", "l1", { r: "R1", l: "L1" })],
    });
    assert.deepEqual(summary(p.actions), [
      "move remote:old.txt->sub/new.txt rename",
      "mkdir remote:sub",
      "copy scaidrive:sub/new.txt->sub/new.txt",
    ]);
  });
  test("a folder rename moves the folder once; its children follow without copies", async () => {
    const p = await plan({
      remote: [d("B", "RD"), f("B/x.txt", "r1", "RX"), f("B/y.txt", "r1", "RY")],
      scaidrive: [d("A", "LD"), f("A/x.txt", "l1", "LX"), f("A/y.txt", "l1", "LY")],
      base: [
        base("A", "", "", { r: "RD", l: "LD" }, "folder"),
        base("A/x.txt", "r1", "l1", { r: "RX", l: "LX" }),
        base("A/y.txt", "r1", "l1", { r: "RY", l: "LY" }),
      ],
    });
    assert.deepEqual(summary(p.actions), ["move scaidrive:A->B rename"]);
  });
  test("a rename on the non-authoritative side is reverted with a move", async () => {
    const p = await plan({
      direction: "remote_to_scaidrive",
      remote: [f("old.txt", "r1", "R1")],
      scaidrive: [f("new.txt", "l1", "L1")],
      base: [base("old.txt", "r1", "l1", { r: "R1", l: "L1" })],
    });
    assert.deepEqual(summary(p.actions), ["move scaidrive:new.txt->old.txt revert_rename"]);
  });
});

describe("planner: names that share an id (a symbolic link and its target, as Samba shows them)", () => {
  test("a synced file beside a new link to it: the link is a new item, the file stays", async () => {
    for (const order of [
      ["link.txt", "target.txt"],
      ["target.txt", "link.txt"],
    ]) {
      const p = await plan({
        remote: order.map((n) => f(n, "r1", "R1")),
        scaidrive: [f("target.txt", "l1", "L1")],
        base: [base("target.txt", "r1", "l1", { r: "R1", l: "L1" })],
      });
      assert.deepEqual(summary(p.actions), ["copy remote:link.txt->link.txt"], order.join(" before "));
    }
  });
  test("a renamed file whose id shows at two new live names (it and a link to it) is no rename", async () => {
    for (const order of [
      ["link.txt", "new.txt"],
      ["new.txt", "link.txt"],
    ]) {
      const p = await plan({
        remote: order.map((n) => f(n, "r1", "R1")),
        scaidrive: [f("old.txt", "l1", "L1")],
        base: [base("old.txt", "r1", "l1", { r: "R1", l: "L1" })],
        remoteReusesIds: true,
      });
      assert.deepEqual(
        summary(p.actions).sort(),
        ["copy remote:link.txt->link.txt", "copy remote:new.txt->new.txt", "delete scaidrive:old.txt"],
        order.join(" before "),
      );
    }
  });
  test("two synced names of one id, one new name left: neither synced name is taken for its rename", async () => {
    const p = await plan({
      remote: [f("t2.txt", "r1", "R1")],
      scaidrive: [f("link.txt", "l1", "L1"), f("target.txt", "l2", "L2")],
      base: [base("link.txt", "r1", "l1", { r: "R1", l: "L1" }), base("target.txt", "r1", "l2", { r: "R1", l: "L2" })],
    });
    assert.deepEqual(summary(p.actions).sort(), [
      "copy remote:t2.txt->t2.txt",
      "delete scaidrive:link.txt",
      "delete scaidrive:target.txt",
    ]);
  });
  test(
    "a synced folder renamed with a new link to it: no move, " + "its content is deleted and both new names created",
    async () => {
      const p = await plan({
        remote: [d("lnk", "RD"), f("lnk/inner.txt", "r1", "RI"), d("real2", "RD"), f("real2/inner.txt", "r1", "RI")],
        scaidrive: [d("real", "LD"), f("real/inner.txt", "l1", "LI")],
        base: [
          base("real", "", "", { r: "RD", l: "LD" }, "folder"),
          base("real/inner.txt", "r1", "l1", { r: "RI", l: "LI" }),
        ],
      });
      assert.ok(!p.actions.some((a) => a.action === "move"), summary(p.actions).join(", "));
      assert.deepEqual(summary(p.actions).sort(), [
        "copy remote:lnk/inner.txt->lnk/inner.txt",
        "copy remote:real2/inner.txt->real2/inner.txt",
        "delete scaidrive:real",
        "delete scaidrive:real/inner.txt",
        "mkdir scaidrive:lnk",
        "mkdir scaidrive:real2",
      ]);
    },
  );
  test(
    "a link and its target both synced and unchanged: " + "nothing to do; deleting the link deletes only its copy",
    async () => {
      const b = [
        base("link.txt", "r1", "l1", { r: "R1", l: "L1" }),
        base("target.txt", "r1", "l2", { r: "R1", l: "L2" }),
      ];
      const scaidrive = [f("link.txt", "l1", "L1"), f("target.txt", "l2", "L2")];
      assert.deepEqual(
        summary(
          (await plan({ remote: [f("link.txt", "r1", "R1"), f("target.txt", "r1", "R1")], scaidrive, base: b }))
            .actions,
        ),
        [],
      );
      assert.deepEqual(summary((await plan({ remote: [f("target.txt", "r1", "R1")], scaidrive, base: b })).actions), [
        "delete scaidrive:link.txt",
      ]);
      // A ScaiDrive rename still propagates: ScaiDrive ids are never shared.
      assert.deepEqual(
        summary(
          (
            await plan({
              remote: [f("link.txt", "r1", "R1"), f("target.txt", "r1", "R1")],
              scaidrive: [f("link.txt", "l1", "L1"), f("t2.txt", "l2", "L2")],
              base: b,
            })
          ).actions,
        ),
        ["move remote:target.txt->t2.txt rename"],
      );
    },
  );
});

describe("planner: Samba's mangled aliases (realName)", () => {
  const alias = (path: string, realName: string, fp: string, id: string): RemoteEntry => ({
    ...f(path, fp, id),
    realName,
  });
  const synced = [base("aux.txt", "r1", "l1", { r: "R1", l: "L1" })];
  test(
    "an item synced under its real name and listed under " + "its alias is the same item: no rename, no change",
    async () => {
      for (const direction of ["bidirectional", "scaidrive_to_remote", "remote_to_scaidrive"] as const) {
        const p = await plan({
          direction,
          caseInsensitive: true,
          remote: [alias("AHY9U3~9.TXT", "aux.txt", "r1", "R1")],
          scaidrive: [f("aux.txt", "l1", "L1")],
          base: synced,
        });
        assert.deepEqual(summary(p.actions), [], direction);
      }
    },
  );
  test("changes on either side go to the real name, keeping ScaiDrive's spelling", async () => {
    const remote = [alias("AHY9U3~9.TXT", "aux.txt", "r2", "R1")];
    assert.deepEqual(
      summary(
        (await plan({ caseInsensitive: true, remote, scaidrive: [f("aux.txt", "l1", "L1")], base: synced })).actions,
      ),
      ["copy remote:aux.txt->aux.txt"],
    );
    const p = await plan({
      caseInsensitive: true,
      remote: [alias("AHY9U3~9.TXT", "aux.txt", "r1", "R1")],
      scaidrive: [f("aux2.txt", "l1", "L1")],
      base: synced,
    });
    assert.deepEqual(summary(p.actions), ["move remote:aux.txt->aux2.txt rename"]);
  });
  test(
    "a first run with the real name in ScaiDrive pairs " + "them (content decides), no copy under the alias",
    async () => {
      const p = await plan({
        caseInsensitive: true,
        remote: [alias("AHY9U3~9.TXT", "aux.txt", "r1", "R1")],
        scaidrive: [f("aux.txt", "l1", "L1")],
      });
      assert.deepEqual(summary(p.actions), ["conflict aux.txt remote"]);
    },
  );
  test("an item only the server has arrives under its alias and keeps it, run after run", async () => {
    const remote = [alias("AHY9U3~9.TXT", "aux.txt", "r1", "R1")];
    assert.deepEqual(summary((await plan({ caseInsensitive: true, remote })).actions), [
      "copy remote:AHY9U3~9.TXT->AHY9U3~9.TXT",
    ]);
    const b = [base("AHY9U3~9.TXT", "r1", "l1", { r: "R1", l: "L1" })];
    assert.deepEqual(
      summary(
        (await plan({ caseInsensitive: true, remote, scaidrive: [f("AHY9U3~9.TXT", "l1", "L1")], base: b })).actions,
      ),
      [],
    );
    // Even if ScaiDrive meanwhile holds the real name as another item, the alias keeps its own.
    assert.deepEqual(
      summary(
        (
          await plan({
            caseInsensitive: true,
            remote,
            scaidrive: [f("AHY9U3~9.TXT", "l1", "L1"), f("aux.txt", "x", "L9")],
            base: b,
          })
        ).actions,
      ),
      ["copy scaidrive:aux.txt->aux.txt"],
    );
  });
  test("a folder under its alias takes its subtree to the real name", async () => {
    const p = await plan({
      caseInsensitive: true,
      remote: [
        { ...d("PITWVK~3", "RD"), realName: "prn" },
        f("PITWVK~3/child.txt", "r1", "RC"),
        alias("PITWVK~3/AHY9U3~9.TXT", "aux.txt", "r1", "RA"),
      ],
      scaidrive: [d("prn", "LD"), f("prn/child.txt", "l2", "LC"), f("prn/aux.txt", "l1", "LA")],
      base: [
        base("prn", "", "", { r: "RD", l: "LD" }, "folder"),
        base("prn/child.txt", "r1", "l1", { r: "RC", l: "LC" }),
        base("prn/aux.txt", "r1", "l1", { r: "RA", l: "LA" }),
      ],
    });
    assert.deepEqual(summary(p.actions), ["copy scaidrive:prn/child.txt->prn/child.txt"]);
  });
});

describe("planner: folders and case", () => {
  test("new folders are created parents first; deleted folders removed deepest first, last", async () => {
    const p = await plan({
      remote: [d("n"), d("n/m")],
      scaidrive: [d("g", "G"), d("g/h", "H")],
      base: [base("g", "", "", { l: "G" }, "folder"), base("g/h", "", "", { l: "H" }, "folder")],
    });
    assert.deepEqual(summary(p.actions), [
      "mkdir scaidrive:n",
      "mkdir scaidrive:n/m",
      "delete scaidrive:g/h",
      "delete scaidrive:g",
    ]);
  });
  test("a folder present on both sides without a base is adopted", async () => {
    assert.deepEqual(summary((await plan({ remote: [d("x", "1")], scaidrive: [d("x", "2")] })).actions), ["adopt x"]);
  });
  test("case-insensitive remote: differently-cased names are one item; ScaiDrive twins are errors", async () => {
    const p = await plan({
      caseInsensitive: true,
      remote: [f("Report.PDF", "r1")],
      scaidrive: [
        f("report.pdf", "l1"),
        f("Dup.txt", "a"),
        f("dup.txt", "b"),
        d("Docs"),
        d("docs"),
        f("docs/in.txt", "c"),
      ],
      base: [base("Report.PDF", "r1", "l1")],
    });
    assert.deepEqual(summary(p.actions).sort(), [
      "error Docs case_conflict",
      "error Dup.txt case_conflict",
      "error docs case_conflict",
      "error docs/in.txt case_conflict",
      "error dup.txt case_conflict",
    ]);
  });
  test("a synced file that gains a case twin in ScaiDrive is left alone on the remote (never deleted)", async () => {
    const p = await plan({
      caseInsensitive: true,
      remote: [f("Dup.txt", "r1"), d("Docs"), f("Docs/a.txt", "r2")],
      scaidrive: [f("Dup.txt", "l1"), f("dup.txt", "x"), d("Docs"), d("DOCS"), f("Docs/a.txt", "l2")],
      base: [base("Dup.txt", "r1", "l1"), base("Docs", "", "", {}, "folder"), base("Docs/a.txt", "r2", "l2")],
    });
    assert.deepEqual(
      summary(p.actions).filter((a) => !a.startsWith("error")),
      [],
    );
    assert.equal(p.deletes.remote, 0);
  });
  test("kind mismatch is a per-file error", async () => {
    assert.deepEqual(summary((await plan({ remote: [f("x", "1")], scaidrive: [d("x")] })).actions), [
      "error x kind_mismatch",
    ]);
  });
});

describe("safety", () => {
  const tracked = Array.from({ length: 10 }, (_, i) => base(`f${i}`, "r", "l"));
  const files = (n: number) => Array.from({ length: n }, (_, i) => f(`f${i}`, i < 10 ? "r" : "x"));
  test("deleting more than half of the tracked files aborts; exactly half does not; force overrides", async () => {
    const over = await plan({
      remote: files(4),
      scaidrive: files(10).map((e) => ({ ...e, fingerprint: "l" })),
      base: tracked,
    });
    assert.equal(over.deletes.scaidrive, 6);
    assert.throws(
      () => checkPlanSafety(over),
      (e: unknown) => e instanceof AppError && e.code === "SYNC_SAFETY_ABORT",
    );
    checkPlanSafety(over, { force: true });
    checkPlanSafety(over, { maxDeletePercent: 60 });
    const half = await plan({
      remote: files(5),
      scaidrive: files(10).map((e) => ({ ...e, fingerprint: "l" })),
      base: tracked,
    });
    checkPlanSafety(half);
  });
  test("an empty side with a non-empty base aborts even under the percentage", async () => {
    const p = await plan({ remote: [], scaidrive: files(10).map((e) => ({ ...e, fingerprint: "l" })), base: tracked });
    assert.throws(() => checkPlanSafety(p, { maxDeletePercent: 100 }), /empty/);
  });
  test("a first run (empty base) is stopped only when a one-way mirror would delete most of a side", async () => {
    checkPlanSafety(await plan({ remote: files(3) }));
    const wipe = await plan({ direction: "scaidrive_to_remote", remote: files(4), scaidrive: [f("other", "x")] });
    assert.throws(() => checkPlanSafety(wipe), /first run would delete 4 of 4/);
    checkPlanSafety(wipe, { force: true });
  });
});

describe("planner: folders whose content a side could not list", () => {
  const unlisted = (path: string, id?: string): RemoteEntry => ({
    ...d(path, id),
    childrenUnknown: "access_denied: listing refused",
  });
  const synced = [
    base("closed", "", "", { r: "rc", l: "lc" }, "folder"),
    base("closed/a.txt", "r1", "l1", { r: "ra", l: "la" }),
    base("closed/sub", "", "", { r: "rs", l: "ls" }, "folder"),
    base("closed/sub/b.txt", "r2", "l2", { r: "rb", l: "lb" }),
    base("open.txt", "r3", "l3"),
  ];
  const local = [
    d("closed", "lc"),
    f("closed/a.txt", "l1", "la"),
    d("closed/sub", "ls"),
    f("closed/sub/b.txt", "l2", "lb"),
    f("open.txt", "l3"),
  ];

  for (const direction of ["remote_to_scaidrive", "bidirectional"] as const) {
    test(`${direction}: nothing synced below it is deleted; one folder_unlisted error names it`, async () => {
      const p = await plan({
        direction,
        remote: [unlisted("closed", "rc"), f("open.txt", "r3")],
        scaidrive: local,
        base: synced,
      });
      assert.deepEqual(summary(p.actions), ["error closed folder_unlisted"]);
      const err = p.actions[0] as Extract<PlanAction, { action: "error" }>;
      assert.equal(err.kind, "folder");
      assert.equal(err.logOnly, true, "the folder's base is not touched");
      assert.match(err.message, /access_denied: listing refused/);
      assert.deepEqual(p.deletes, { remote: 0, scaidrive: 0 });
      checkPlanSafety(p);
    });
  }

  test(
    "bidirectional: ScaiDrive changes below it are not pushed " +
      "into it, new ScaiDrive files neither; other paths sync",
    async () => {
      const p = await plan({
        remote: [unlisted("closed", "rc"), f("open.txt", "r3"), f("new-remote.txt", "n")],
        scaidrive: [
          d("closed", "lc"),
          f("closed/a.txt", "l1-changed", "la"),
          f("closed/fresh.txt", "x"),
          f("open.txt", "l3"),
        ],
        base: synced,
      });
      assert.deepEqual(summary(p.actions), [
        "error closed folder_unlisted",
        "copy remote:new-remote.txt->new-remote.txt",
      ]);
    },
  );

  test("scaidrive_to_remote: the unlisted remote folder is neither deleted nor pushed into", async () => {
    const p = await plan({
      direction: "scaidrive_to_remote",
      remote: [unlisted("extra", "rx")],
      scaidrive: [f("extra/x.txt", "x")],
    });
    assert.deepEqual(summary(p.actions), ["error extra folder_unlisted"]);
    const gone = await plan({
      direction: "scaidrive_to_remote",
      remote: [unlisted("closed", "rc"), f("open.txt", "r3")],
      scaidrive: [f("open.txt", "l3")],
      base: synced,
    });
    assert.deepEqual(
      summary(gone.actions),
      ["error closed folder_unlisted"],
      "not deleted on the remote although ScaiDrive lacks it",
    );
  });

  test("renames into or out of an unlisted folder are not propagated; a rename of the folder itself is", async () => {
    const renamedInside = await plan({
      remote: [unlisted("closed", "rc"), f("open.txt", "r3")],
      scaidrive: [
        d("closed", "lc"),
        f("closed/renamed.txt", "l1", "la"),
        d("closed/sub", "ls"),
        f("closed/sub/b.txt", "l2", "lb"),
        f("open.txt", "l3"),
      ],
      base: synced,
    });
    assert.deepEqual(summary(renamedInside.actions), ["error closed folder_unlisted"]);
    const folderRenamed = await plan({
      remote: [unlisted("shut", "rc"), f("open.txt", "r3")],
      scaidrive: local,
      base: synced,
    });
    assert.deepEqual(summary(folderRenamed.actions), [
      "move scaidrive:closed->shut rename",
      "error shut folder_unlisted",
    ]);
  });

  test("a new unlisted folder is still created on the other side (two-way), nothing inside it planned", async () => {
    const p = await plan({ remote: [unlisted("fresh", "rf")], scaidrive: [] });
    assert.deepEqual(summary(p.actions), ["mkdir scaidrive:fresh", "error fresh folder_unlisted"]);
  });
});

describe("planner: adopted items and full sync run the pull hooks", () => {
  test("folders on both sides with no base are adopted with the hook of the mode", async () => {
    const adopt = async (direction: PlanInput["direction"]) =>
      (await plan({ direction, remote: [d("x", "r")], scaidrive: [d("x", "l")] })).actions.map((a) =>
        a.action === "adopt" ? a.hook : a.action,
      );
    assert.deepEqual(await adopt("bidirectional"), ["afterPull"]);
    assert.deepEqual(await adopt("remote_to_scaidrive"), ["afterPull"]);
    assert.deepEqual(await adopt("scaidrive_to_remote"), ["afterPush"]);
  });

  test("full_sync re-adopts every synced folder and re-compares every synced file", async () => {
    const b = [base("dir", "", "", { r: "rd", l: "ld" }, "folder"), base("dir/f.txt", "r1", "l1")];
    const input = {
      remote: [d("dir", "rd"), f("dir/f.txt", "r1")],
      scaidrive: [d("dir", "ld"), f("dir/f.txt", "l1")],
      base: b,
    };
    assert.deepEqual(summary((await plan(input)).actions), [], "an ordinary run has nothing to do");
    assert.deepEqual(summary((await plan({ ...input, fullSync: true })).actions), [
      "adopt dir",
      "conflict dir/f.txt remote",
    ]);
    assert.deepEqual(summary((await plan({ ...input, fullSync: true, direction: "remote_to_scaidrive" })).actions), [
      "adopt dir",
      "copy remote:dir/f.txt->dir/f.txt check",
    ]);
  });
});
