/**
 * Design §2 and habit 3: the import direction is checked by a tool, not by hope. Reads every
 * `src/**\/*.ts` import with the TypeScript compiler API and fails on any edge a rule in
 * `layer-rules.ts` forbids, printing each as `file:line -> specifier [rule]`.
 *
 * KNOWN_VIOLATIONS is the place for an existing violation that cannot be fixed at once: one entry
 * per edge with the reason, so that new violations still fail. An entry that no longer matches an
 * edge fails too, so the list only shrinks.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { resolve } from "node:path";
import {
  buildImportGraph,
  extractImports,
  isRelative,
  listTsFiles,
  preProcessedSpecifiers,
  type ImportEdge,
} from "./import-graph.js";
import { LAYER_RULES, violationsOf, type Violation } from "./layer-rules.js";
import { readFileSync } from "node:fs";
import { REPO_ROOT } from "../harness/repo-paths.js";

interface KnownViolation {
  rule: string;
  from: string;
  specifier: string;
  /** Why it is tolerated for now and what would remove it. */
  why: string;
}

/** Empty: the tree obeyed every rule when this test was written. Add an entry only with a reason. */
const KNOWN_VIOLATIONS: readonly KnownViolation[] = [];

const isKnown = (v: Violation) =>
  KNOWN_VIOLATIONS.some((k) => k.rule === v.rule && k.from === v.from && k.specifier === v.specifier);

const srcFiles = listTsFiles(REPO_ROOT, "src");
const graph = buildImportGraph(REPO_ROOT, srcFiles);
const allEdges: ImportEdge[] = [...graph.values()].flat();
const allViolations: Violation[] = allEdges.flatMap((edge) => violationsOf(edge));

describe("import extraction", () => {
  test("finds every form that names a module and marks the type-only ones", () => {
    const text = [
      `import { a } from "./value.js";`,
      `import type { T } from "./type-a.js";`,
      `import { type U, type V } from "./type-b.js";`,
      `import { type W, w } from "./mixed.js";`,
      `import D from "./default.js";`,
      `import * as ns from "./namespace.js";`,
      `import "./side-effect.js";`,
      `export { x } from "./re-export.js";`,
      `export type { Y } from "./re-export-type.js";`,
      `export * from "./star.js";`,
      `import fs = require("node:fs");`,
      `const m = await import("./dynamic.js");`,
      `const c = await import(computed);`,
      `let t: import("./type-position.js").Z;`,
    ].join("\n");
    const got = extractImports("src/sync/fixture.ts", text).map((e) => [e.specifier, e.kind, e.typeOnly, e.line]);
    assert.deepEqual(got, [
      ["./value.js", "static", false, 1],
      ["./type-a.js", "static", true, 2],
      ["./type-b.js", "static", true, 3],
      ["./mixed.js", "static", false, 4],
      ["./default.js", "static", false, 5],
      ["./namespace.js", "static", false, 6],
      ["./side-effect.js", "static", false, 7],
      ["./re-export.js", "re-export", false, 8],
      ["./re-export-type.js", "re-export", true, 9],
      ["./star.js", "re-export", false, 10],
      ["node:fs", "require", false, 11],
      ["./dynamic.js", "dynamic", false, 12],
      ["./type-position.js", "import-type", true, 14],
    ]);
  });

  test("misses nothing the compiler's own pre-scan (ts.preProcessFile) sees in src/", () => {
    assert.ok(srcFiles.length > 50, `expected the whole src/ tree, read ${srcFiles.length} files`);
    const missed: string[] = [];
    for (const file of srcFiles) {
      const seen = new Set(graph.get(file)!.map((e) => e.specifier));
      for (const spec of preProcessedSpecifiers(readFileSync(resolve(REPO_ROOT, file), "utf8"))) {
        if (!seen.has(spec)) missed.push(`${file} -> ${spec}`);
      }
    }
    assert.deepEqual(missed, [], `imports the walker did not see:\n${missed.join("\n")}`);
  });

  test("every relative import in src/ resolves to a file", () => {
    const dangling = allEdges
      .filter((e) => isRelative(e.specifier) && e.target === null)
      .map((e) => `${e.from}:${e.line} -> ${e.specifier}`);
    assert.deepEqual(dangling, [], `relative imports naming no file:\n${dangling.join("\n")}`);
  });
});

describe("layer rules judge edges as the design says", () => {
  const edge = (from: string, specifier: string, target: string | undefined, typeOnly = false): ImportEdge => ({
    from,
    specifier,
    target,
    typeOnly,
    kind: "static",
    line: 1,
  });
  const rulesBroken = (e: ImportEdge) => violationsOf(e).map((v) => v.rule);

  test("forbidden edges are reported with the rule they break", () => {
    const cases: Array<[ImportEdge, string[]]> = [
      [edge("src/protocols/smb/conn.ts", "../../server/app.js", "src/server/app.ts"), ["protocols-self-contained"]],
      [
        edge("src/protocols/smb/conn.ts", "../../core/errors.js", "src/core/errors.ts", true),
        ["protocols-self-contained"],
      ],
      [edge("src/protocols/smb/conn.ts", "pino", undefined), ["protocols-self-contained"]],
      [edge("src/store/db/x.ts", "../../server/app.js", "src/server/app.ts"), ["store-is-the-bottom"]],
      [
        edge("src/store/core/x.ts", "../../core/node-service.js", "src/core/node-service.ts", true),
        ["store-is-the-bottom"],
      ],
      [edge("src/store/sync/x.ts", "../../sync/sync-planner.js", "src/sync/sync-planner.ts"), ["store-is-the-bottom"]],
      [edge("src/store/core/x.ts", "../../sync/remote.js", "src/sync/remote.ts", true), ["store-is-the-bottom"]],
      [edge("src/store/x.ts", "../connectors/index.js", "src/connectors/index.ts"), ["store-is-the-bottom"]],
      [
        edge("src/sync/x.ts", "../connectors/smb/smb-remote.js", "src/connectors/smb/smb-remote.ts", true),
        ["sync-engine-is-connector-agnostic"],
      ],
      [
        edge("src/sync/x.ts", "../protocols/smb/index.js", "src/protocols/smb/index.ts"),
        ["sync-engine-is-connector-agnostic"],
      ],
      [edge("src/sync/x.ts", "../server/auth.js", "src/server/auth.ts"), ["sync-engine-is-connector-agnostic"]],
      [
        edge("src/connectors/smb/x.ts", "../sharepoint/graph-http.js", "src/connectors/sharepoint/graph-http.ts"),
        ["connectors-stand-alone"],
      ],
      [edge("src/connectors/sharepoint/x.ts", "../../server/app.js", "src/server/app.ts"), ["connectors-stand-alone"]],
      [
        edge("src/connectors/smb/x.ts", "../../sync/sync-planner.js", "src/sync/sync-planner.ts", true),
        ["connectors-use-sync-interfaces"],
      ],
      [
        edge("src/connectors/x.ts", "../sync/sync-service.js", "src/sync/sync-service.ts"),
        ["connectors-use-sync-interfaces"],
      ],
      [edge("src/core/x.ts", "../connectors/index.js", "src/connectors/index.ts"), ["core-is-domain-only"]],
      [
        edge("src/core/mounts/x.ts", "../../protocols/smb/index.js", "src/protocols/smb/index.ts"),
        ["core-is-domain-only"],
      ],
      [edge("src/core/x.ts", "../server/app.js", "src/server/app.ts"), ["core-is-domain-only"]],
      [edge("src/server/app.ts", "../cli/cli-args.js", "src/cli/cli-args.ts"), ["cli-is-the-top"]],
      [
        edge(
          "src/server/routes/x-routes.ts",
          "../../store/sync/connector-store.js",
          "src/store/sync/connector-store.ts",
          true,
        ),
        ["server-does-not-import-store"],
      ],
      [
        edge("src/server/blob-response.ts", "../store/blobs/chunk-pool.js", "src/store/blobs/chunk-pool.ts"),
        ["server-does-not-import-store"],
      ],
      [
        edge("src/server/routes/file-routes.ts", "./mount-routes.js", "src/server/routes/mount-routes.ts"),
        ["route-modules-stand-alone"],
      ],
      [
        edge("src/server/app.ts", "../../test/harness/free-port.js", "test/harness/free-port.ts"),
        ["src-is-self-contained"],
      ],
    ];
    for (const [e, expected] of cases) assert.deepEqual(rulesBroken(e), expected, `${e.from} -> ${e.specifier}`);
  });

  test("allowed edges pass", () => {
    const cases: ImportEdge[] = [
      edge("src/protocols/smb/conn.ts", "./messages/create.js", "src/protocols/smb/messages/create.ts"),
      edge("src/protocols/smb/conn.ts", "node:crypto", undefined),
      edge("src/store/sync/x.ts", "../../core/errors.js", "src/core/errors.ts"),
      edge("src/store/sync/x.ts", "../../core/ids.js", "src/core/ids.ts"),
      edge("src/store/sync/x.ts", "../../sync/sync-planner.js", "src/sync/sync-planner.ts", true),
      edge("src/store/db/x.ts", "kysely", undefined),
      edge("src/sync/x.ts", "../store/sync/sync-stores.js", "src/store/sync/sync-stores.ts"),
      edge("src/sync/x.ts", "../core/node-service.js", "src/core/node-service.ts", true),
      edge("src/connectors/smb/x.ts", "../../protocols/smb/index.js", "src/protocols/smb/index.ts"),
      edge("src/connectors/smb/x.ts", "../connector-definition.js", "src/connectors/connector-definition.ts"),
      edge("src/connectors/smb/x.ts", "../../sync/remote.js", "src/sync/remote.ts"),
      edge("src/connectors/x.ts", "../sync/sync-hooks.js", "src/sync/sync-hooks.ts", true),
      edge("src/connectors/sharepoint/x.ts", "../../sync/remote-errors.js", "src/sync/remote-errors.ts"),
      edge("src/connectors/connector-fields.ts", "../sync/sync-options.js", "src/sync/sync-options.ts"),
      edge("src/connectors/index.ts", "./smb/smb-definition.js", "src/connectors/smb/smb-definition.ts"),
      edge("src/core/mounts/x.ts", "../../sync/remote.js", "src/sync/remote.ts"),
      edge("src/server/app.ts", "../connectors/index.js", "src/connectors/index.ts"),
      edge("src/cli/serve-command.ts", "../server/app.js", "src/server/app.ts"),
      edge("src/server/app-context.ts", "../store/db/database.js", "src/store/db/database.ts"),
      edge(
        "src/server/sync-engine-assembly.ts",
        "../store/sync/connector-store.js",
        "src/store/sync/connector-store.ts",
        true,
      ),
      edge("src/cli/token-command.ts", "../store/db/database.js", "src/store/db/database.ts"),
      edge("src/server/routes/index.ts", "./file-routes.js", "src/server/routes/file-routes.ts"),
      edge("src/server/routes/smb-connector-routes.ts", "../connector-routes.js", "src/server/connector-routes.ts"),
    ];
    for (const e of cases) assert.deepEqual(rulesBroken(e), [], `${e.from} -> ${e.specifier}`);
  });
});

describe("src/ obeys the import direction", () => {
  for (const rule of LAYER_RULES) {
    test(rule.name, () => {
      assert.ok(
        srcFiles.some((f) => rule.appliesTo(f)),
        `rule ${rule.name} judges no file: its scope is wrong`,
      );
      const found = allViolations.filter((v) => v.rule === rule.name && !isKnown(v)).map((v) => v.display);
      assert.deepEqual(found, [], `${rule.text}\nviolations (file -> import):\n${found.join("\n")}`);
    });
  }

  test("every KNOWN_VIOLATIONS entry still matches an edge (the list only shrinks)", () => {
    const stale = KNOWN_VIOLATIONS.filter(
      (k) => !allViolations.some((v) => v.rule === k.rule && v.from === k.from && v.specifier === k.specifier),
    ).map((k) => `${k.from} -> ${k.specifier} [${k.rule}]`);
    assert.deepEqual(stale, [], `allow-list entries with no matching violation; delete them:\n${stale.join("\n")}`);
  });
});
