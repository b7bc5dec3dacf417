/** {@link filterEntries} collected into lists, for tests: in scope, out of scope (with reasons), reported. */
import { filterEntries, type OutOfScopeItem, type ReportedEntry } from "../../../src/sync/side-scan.js";
import type { SyncFilter } from "../../../src/sync/sync-filter.js";
import type { RemoteEntry } from "../../../src/sync/remote.js";

export async function filterAll(
  entries: Iterable<RemoteEntry>,
  filter: SyncFilter,
): Promise<{ entries: RemoteEntry[]; outOfScope: OutOfScopeItem[]; reported: ReportedEntry[] }> {
  const out = { entries: [] as RemoteEntry[], outOfScope: [] as OutOfScopeItem[], reported: [] as ReportedEntry[] };
  for await (const s of filterEntries(entries, filter, (r) => out.reported.push(r))) {
    if (s.scope === null) out.entries.push(s.entry);
    else out.outOfScope.push({ path: s.entry.path, kind: s.entry.kind, reason: s.scope });
  }
  return out;
}
