/**
 * The planner on in-memory inputs, for its unit tests: the listings, out-of-scope items, base and
 * notes go into a run workspace in an in-memory SQLite database (the same tables and queries a
 * real run uses), the planner runs, and the plan comes back as one ordered list — moves, folder
 * creations (parents first), the rest, folder deletes deepest first — with the summary figures.
 */
import { memoryWorkspace } from "./memory-workspace.js";
import {
  PHASE,
  planRun,
  type BaseEntry,
  type NoteEntry,
  type PlanAction,
  type PlanSettings,
  type PlanSummary,
} from "../../../src/sync/sync-planner.js";
import type { OutOfScopeItem } from "../../../src/sync/side-scan.js";
import type { RemoteEntry } from "../../../src/sync/remote.js";

export interface PlanInput extends PlanSettings {
  remote: RemoteEntry[];
  scaidrive: RemoteEntry[];
  base: BaseEntry[];
  /** What each side lists but the filter leaves out (each item's own verdict; a folder takes its subtree). */
  outOfScope?: { remote?: OutOfScopeItem[]; scaidrive?: OutOfScopeItem[] };
  /** File-state rows with a standing note (out of scope, folder kept on one side). */
  notes?: NoteEntry[];
}

export interface Plan extends PlanSummary {
  actions: PlanAction[];
}

async function collect(it: AsyncIterable<PlanAction>): Promise<PlanAction[]> {
  const out: PlanAction[] = [];
  for await (const a of it) out.push(a);
  return out;
}

export async function planSync(input: PlanInput): Promise<Plan> {
  const ws = await memoryWorkspace(input.caseInsensitive);
  try {
    const asEntry = (o: OutOfScopeItem): RemoteEntry => ({
      path: o.path,
      kind: o.kind,
      size: 0,
      mtimeMs: 0,
      fingerprint: "",
    });
    for (const side of ["remote", "scaidrive"] as const) {
      await ws.addEntries(side, [
        ...input[side].map((entry) => ({ entry })),
        ...(input.outOfScope?.[side] ?? []).map((o) => ({ entry: asEntry(o), scope: o.reason })),
      ]);
    }
    const rows = new Map<
      string,
      { path: string; kind: "file" | "folder"; base: BaseEntry | null; note: NoteEntry | null }
    >();
    for (const b of input.base) rows.set(b.path, { path: b.path, kind: b.kind, base: b, note: null });
    for (const n of input.notes ?? []) {
      const row = rows.get(n.path);
      if (row) row.note = n;
      else rows.set(n.path, { path: n.path, kind: n.kind, base: null, note: n });
    }
    await ws.addBase([...rows.values()]);
    const summary = await planRun(ws, input);
    const actions = [
      ...(await collect(ws.actions(PHASE.moves))),
      ...(await collect(ws.actions(PHASE.mkdirs))),
      ...(await collect(ws.actions(PHASE.main))),
      ...(await collect(ws.actions(PHASE.folderDeletes, "desc"))),
    ];
    return { ...summary, actions };
  } finally {
    await ws.clear();
  }
}
