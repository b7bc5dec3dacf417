/**
 * The three-way planner: compares each side with the base (the file-states of the last
 * successful run), never the two sides with each other alone, and returns the actions that bring
 * both sides in step. Pure: no I/O, so every rule is unit-tested (see README.md for the table).
 *
 * Identity is per key: the relative path, lower-cased when the remote is case-insensitive, so
 * `Report.pdf` on SMB and `report.pdf` in ScaiDrive are one item; each side keeps its own
 * spelling in the actions. Two ScaiDrive entries that differ only in case cannot both live on
 * such a remote: they (and what is below them) become per-file `case_conflict` errors.
 *
 * A folder flagged `childrenUnknown` (its listing failed) hides nothing: every key below it is
 * left alone on both sides — no delete, no copy into or out of it, no rename, base kept — and the
 * folder itself is never deleted; one `folder_unlisted` error names it in the job log.
 *
 * Renames are found by id, but an id is not always one item: Samba shows a file and a symbolic
 * link to it as two names with one file id, and lists a name Windows clients cannot hold under a
 * mangled alias with the item's id. Two live names sharing an id are two items (never a rename of
 * one another), and an aliased entry (`realName`) is matched to the item known by its real name.
 *
 * Out of scope is not deleted: a key that a side lists but the filter leaves out (hidden, system,
 * excluded, not included, a reparse point, or inside such a folder) is never copied, deleted or
 * conflicted on either side. A base row of such a key is *untracked* (the row stops being a base,
 * one `untrack` entry says why); a key with no base whose other side holds an in-scope item gets
 * one `out_of_scope` entry, stored as a note so later runs stay quiet until the reason changes.
 * Back in scope, the key has no base: both sides present are compared by content, one side is
 * copied to the other — the existing ScaiDrive node is matched again, never created anew.
 */
import { conflictPath } from "./conflict-name.js";
import { isUnder, joinPath, parentPath, type EntryKind, type RemoteEntry } from "./remote.js";
import type { ConflictStrategy, Direction, Side } from "./sync-options.js";
import type { OutOfScopeItem } from "./side-scan.js";

/** What both sides looked like after the last successful transfer of one path. */
export interface BaseEntry {
  /** The path as the remote spells it. */
  path: string;
  kind: EntryKind;
  remoteId: string | null;
  remoteFingerprint: string;
  scaidriveId: string | null;
  scaidriveFingerprint: string;
  sha256: string | null;
}

/** A file-state row carrying a standing note (see the file-state store), keyed like the base. */
export interface NoteEntry {
  path: string;
  kind: EntryKind;
  /** `out_of_scope`, `kept_on_remote`, `kept_on_scaidrive`. */
  code: string;
  message: string;
}

export interface PlanInput {
  remote: RemoteEntry[];
  scaidrive: RemoteEntry[];
  base: BaseEntry[];
  /** What each side lists but the filter leaves out (each item's own verdict; a folder takes its subtree). */
  outOfScope?: { remote?: OutOfScopeItem[]; scaidrive?: OutOfScopeItem[] };
  /** File-state rows with a standing note (out of scope, folder kept on one side). */
  notes?: NoteEntry[];
  /** How messages name the remote ("SMB"); default "the remote". */
  remoteTitle?: string;
  direction: Direction;
  conflict: ConflictStrategy;
  caseInsensitive: boolean;
  /** The remote reuses ids of deleted items (capabilities.reusesIds). */
  remoteReusesIds?: boolean;
  /**
   * Ignore base fingerprints: every path present on both sides is re-compared by content, and
   * every folder present on both sides is re-adopted, so the pull hooks run for all synced items.
   */
  fullSync?: boolean;
}

export type CopyReason = "new" | "changed" | "restore" | "overwrite";

export type PlanAction =
  | { action: "move"; side: Side; from: string; to: string; kind: EntryKind; reason: "rename" | "revert_rename"; statePath?: { from: string; to: string } }
  | { action: "mkdir"; side: Side; path: string; other: RemoteEntry }
  | {
      action: "copy";
      from: Side;
      source: RemoteEntry;
      /** Destination path on the other side. */
      toPath: string;
      /** The destination as scanned (its fingerprint is the write precondition); absent = must not exist. */
      dest?: RemoteEntry;
      /** Compare content first and only record the base if both are already identical. */
      checkIdentical: boolean;
      reason: CopyReason;
      base?: BaseEntry;
    }
  | {
      action: "conflict";
      remote: RemoteEntry;
      scaidrive: RemoteEntry;
      strategy: ConflictStrategy;
      /** Which side's content wins if the contents differ; `keep_both` renames the ScaiDrive copy to `keepBothPath`. */
      resolution: Side | "keep_both";
      keepBothPath?: string;
      base?: BaseEntry;
    }
  | {
      action: "delete";
      side: Side;
      path: string;
      kind: EntryKind;
      expect: RemoteEntry;
      base: BaseEntry;
      /**
       * A folder already kept on this side because it was not empty (a `kept_on_<side>` note):
       * the delete is retried quietly; only its success is logged.
       */
      kept?: boolean;
    }
  | {
      action: "adopt";
      remote: RemoteEntry;
      scaidrive: RemoteEntry;
      /** The hook a transfer would have run (remote authoritative for permissions unless the mode is ScaiDrive → remote). */
      hook: HookName;
    }
  | { action: "forget"; path: string }
  /**
   * `untrack`: a base row whose item left the filter's scope on a side; `out_of_scope`: no base,
   * the item of one side is out of scope while the other side holds one in scope. Neither side
   * is touched; the row gets an `out_of_scope` note (`message`); `detail` is the job log's line.
   */
  | { action: "untrack" | "out_of_scope"; path: string; kind: EntryKind; message: string; detail: string }
  | {
      action: "error";
      path: string;
      code: string;
      message: string;
      kind?: EntryKind;
      /** Only counted and logged; the path's file-state is not touched (its base stays as it is). */
      logOnly?: boolean;
    };

export type HookName = "afterPull" | "afterPush";

export interface Plan {
  /** Ordered: moves (parents first), mkdirs (parents first), then everything else; folder deletes last, deepest first. */
  actions: PlanAction[];
  deletes: { remote: number; scaidrive: number };
  trackedFiles: number;
  remoteCount: number;
  scaidriveCount: number;
  remoteFiles: number;
  scaidriveFiles: number;
}

type State = "same" | "changed" | "new" | "deleted" | "absent";

/** Why a key is out of scope: its own item, or a folder above it. */
interface ScopeVerdict {
  side: Side;
  item: OutOfScopeItem;
  how: "own" | "inside";
}

interface Sides {
  byKey: Map<string, RemoteEntry>;
  /**
   * The live keys carrying each id. Usually one; Samba shows a file or folder reached through a
   * symbolic link under both names with the same file id, and neither name is then a rename.
   */
  keysById: Map<string, Set<string>>;
}

function addId(keysById: Map<string, Set<string>>, id: string, key: string): void {
  const keys = keysById.get(id);
  if (keys) keys.add(key);
  else keysById.set(id, new Set([key]));
}

function depth(path: string): number {
  let n = 0;
  for (const c of path) if (c === "/") n++;
  return n;
}

export function planSync(input: PlanInput): Plan {
  const keyOf = (path: string) => (input.caseInsensitive ? path.toLowerCase() : path);
  /** The remote as a place ("on SMB", "on the remote") and as a qualifier ("an SMB name", "a remote name"). */
  const remoteTitle = input.remoteTitle ?? "the remote";
  const remoteWord = input.remoteTitle ?? "remote";
  const actions: PlanAction[] = [];
  const moves: PlanAction[] = [];
  const mkdirs: PlanAction[] = [];
  const folderDeletes: PlanAction[] = [];
  const errorKeys = new Set<string>();
  /** Keys left alone this run (case twins and what is below them): no copy, no delete, base kept. */
  const blockedKeys = new Set<string>();

  const index = (entries: RemoteEntry[], side: Side): Sides => {
    const byKey = new Map<string, RemoteEntry>();
    /** Twin keys and how their names differ. */
    const twins = new Map<string, { how: string }>();
    for (const e of entries) {
      const k = keyOf(e.path);
      const prior = byKey.get(k);
      if (prior) {
        // Paths are NFC: two names that are the same string differ only in their Unicode normal
        // form on that side (an NFC and an NFD spelling of one name), not in case.
        const how = prior.path === e.path ? "in Unicode normalisation (NFC/NFD)" : "in case";
        twins.set(k, { how });
        if (!errorKeys.has(prior.path)) reportTwin(prior, side, how);
        reportTwin(e, side, how);
      } else {
        byKey.set(k, e);
      }
    }
    if (twins.size > 0) {
      for (const t of twins.keys()) blockedKeys.add(t);
      for (const k of [...byKey.keys()]) {
        if (twins.has(k)) {
          byKey.delete(k);
          continue;
        }
        for (const [t, twin] of twins) {
          if (!isUnder(k, t)) continue;
          const e = byKey.get(k)!;
          // The folder as this item's own path spells it.
          reportTwin(e, side, twin.how, e.path.slice(0, t.length));
          byKey.delete(k);
          blockedKeys.add(k);
          break;
        }
      }
    }
    const keysById = new Map<string, Set<string>>();
    for (const [k, e] of byKey) if (e.id) addId(keysById, e.id, k);
    return { byKey, keysById };
  };
  const reportTwin = (e: RemoteEntry, side: Side, how: string, inside?: string) => {
    errorKeys.add(e.path);
    const sideName = side === "remote" ? remoteWord : "ScaiDrive";
    // Names differing in case collide on a case-insensitive remote; NFC/NFD twins collide in the
    // engine itself, which speaks NFC.
    const which = how === "in case" ? "the remote" : "the sync";
    actions.push({
      action: "error",
      path: e.path,
      code: "case_conflict",
      kind: e.kind,
      message:
        inside === undefined
          ? `"${e.path}" differs from another ${sideName} name only ${how}, which ${which} cannot hold apart`
          : `"${e.path}" is inside "${inside}", whose name differs from another ${sideName} name only ${how}, which ${which} cannot hold apart`,
    });
  };

  const R = index(input.remote, "remote");
  const L = index(input.scaidrive, "scaidrive");
  /** Keys of folders whose content one side could not list; recomputed after renames re-key the sides. */
  const unlistedKeys = () => {
    const keys = new Set<string>();
    for (const s of [R, L]) for (const [k, e] of s.byKey) if (e.kind === "folder" && e.childrenUnknown !== undefined) keys.add(k);
    return keys;
  };
  let unlisted = unlistedKeys();
  const belowUnlisted = (k: string) => {
    for (const u of unlisted) if (isUnder(k, u)) return true;
    return false;
  };
  const adoptHook: HookName = input.direction === "scaidrive_to_remote" ? "afterPush" : "afterPull";
  const B = new Map<string, BaseEntry>();
  for (const b of input.base) B.set(keyOf(b.path), { ...b });
  const trackedFiles = input.base.filter((b) => b.kind === "file").length;
  const indexOutOfScope = (items: OutOfScopeItem[] | undefined) => {
    const byKey = new Map<string, OutOfScopeItem>();
    for (const item of items ?? []) byKey.set(keyOf(item.path), item);
    return { byKey };
  };
  const oos = { remote: indexOutOfScope(input.outOfScope?.remote), scaidrive: indexOutOfScope(input.outOfScope?.scaidrive) };

  const side = (s: Side) => (s === "remote" ? R : L);
  const baseId = (b: BaseEntry, s: Side) => (s === "remote" ? b.remoteId : b.scaidriveId);
  const baseFp = (b: BaseEntry, s: Side) => (s === "remote" ? b.remoteFingerprint : b.scaidriveFingerprint);
  const allows = (from: Side) =>
    input.direction === "bidirectional" || input.direction === (from === "remote" ? "remote_to_scaidrive" : "scaidrive_to_remote");

  /** Re-keys `fromKey` (and, for folders, its subtree) to `toKey` in a side's index, spelling the new paths after `toPath`. */
  const rekeySide = (s: Sides, fromKey: string, toKey: string, toPath: string) => {
    for (const [k, e] of [...s.byKey]) {
      if (k !== fromKey && !isUnder(k, fromKey)) continue;
      const rest = e.path.slice(e.path.length - (k.length - fromKey.length));
      const moved = { ...e, path: toPath + rest };
      const newKey = toKey + k.slice(fromKey.length);
      s.byKey.delete(k);
      s.byKey.set(newKey, moved);
      if (moved.id) {
        s.keysById.get(moved.id)?.delete(k);
        addId(s.keysById, moved.id, newKey);
      }
    }
  };
  const rekeyBase = (fromKey: string, toKey: string, toPath: string) => {
    for (const [k, b] of [...B]) {
      if (k !== fromKey && !isUnder(k, fromKey)) continue;
      const rest = b.path.slice(b.path.length - (k.length - fromKey.length));
      B.delete(k);
      B.set(toKey + k.slice(fromKey.length), { ...b, path: toPath + rest });
    }
  };

  resolveNameAliases();
  unlisted = unlistedKeys();

  // Renames: the same id at another path on one side, propagated as a move on the other.
  // An id several synced names share (a file and a symbolic link to it, as Samba shows them)
  // never makes a rename: which name went where cannot be told.
  const baseIdCounts = new Map<string, number>();
  for (const b of B.values()) {
    for (const id of [b.remoteId === null ? null : `remote:${b.remoteId}`, b.scaidriveId === null ? null : `scaidrive:${b.scaidriveId}`]) {
      if (id !== null) baseIdCounts.set(id, (baseIdCounts.get(id) ?? 0) + 1);
    }
  }
  const baseOrder = [...B.keys()].sort((a, b) => depth(a) - depth(b) || (a < b ? -1 : a > b ? 1 : 0));
  for (const originalKey of baseOrder) {
    const b = B.get(originalKey);
    if (!b) continue; // re-keyed by a parent folder's rename; handled under its new key below
    detectRename(originalKey, b);
  }
  // Children re-keyed under a renamed folder may themselves have been renamed: second pass over the new keys.
  for (const k of [...B.keys()].sort((a, b) => depth(a) - depth(b))) {
    const b = B.get(k);
    if (b) detectRename(k, b);
  }

  /**
   * Samba lists a name Windows clients cannot hold (`aux.txt`) under a mangled alias
   * (`AHY9U3~9.TXT`) with the item's file id, and the adapter gives the real name in
   * `realName`. Such an entry takes the real name's key when the base or ScaiDrive knows the
   * item by that name and neither knows the alias, so it is the same item (no rename, no copy,
   * ScaiDrive's spelling kept); otherwise it keeps the alias, under which an item created on the
   * server keeps arriving, run after run. Parents first: a re-keyed folder takes its subtree along.
   */
  function resolveNameAliases(): void {
    let pending = [...R.byKey].filter(([, e]) => e.realName !== undefined).map(([k]) => k);
    if (pending.length === 0) return;
    pending.sort((a, b) => depth(a) - depth(b));
    while (pending.length > 0) {
      const ka = pending.shift()!;
      const e = R.byKey.get(ka);
      if (!e?.realName) continue;
      const parent = parentPath(e.path);
      const realPath = joinPath(parent, e.realName);
      const kr = keyOf(realPath);
      if (kr === ka || R.byKey.has(kr) || B.has(ka) || L.byKey.has(ka) || !(B.has(kr) || L.byKey.has(kr))) continue;
      rekeySide(R, ka, kr, realPath);
      pending = pending.map((k) => (isUnder(k, ka) ? kr + k.slice(ka.length) : k));
    }
  }

  function detectRename(kb: string, b: BaseEntry): void {
    for (const s of ["remote", "scaidrive"] as const) {
      const o: Side = s === "remote" ? "scaidrive" : "remote";
      const id = baseId(b, s);
      if (!id || (baseIdCounts.get(`${s}:${id}`) ?? 0) > 1) continue;
      // A rename only if the id left the old key and shows at exactly one new live key: two
      // live names sharing an id (a link and its target) are two items, not a rename.
      const keys = side(s).keysById.get(id);
      if (keys === undefined || keys.size !== 1 || keys.has(kb)) continue;
      const kq = keys.values().next().value!;
      // What lies below an unlisted folder is unknown on one side: no rename into or out of it.
      if (belowUnlisted(kb) || belowUnlisted(kq)) continue;
      const eS = side(s).byKey.get(kq)!;
      if (eS.kind !== b.kind || side(s).byKey.has(kb) || B.has(kq)) continue;
      // A reused id with other content is a new file that got a deleted one's id, not a rename
      // (a rename and an edit between two runs then sync as a delete and a create).
      if (s === "remote" && input.remoteReusesIds && b.kind === "file" && eS.fingerprint !== baseFp(b, "remote")) continue;
      const eO = side(o).byKey.get(kb);
      if (!eO || eO.kind !== b.kind) continue;
      const oId = baseId(b, o);
      if (oId ? eO.id !== oId : b.kind === "file" && eO.fingerprint !== baseFp(b, o)) continue;
      if (allows(s)) {
        if (side(o).byKey.has(kq)) continue;
        // Either way the remote ends up spelling the item eS.path, which keys its file-state.
        const newRemotePath = eS.path;
        moves.push({
          action: "move",
          side: o,
          from: eO.path,
          to: eS.path,
          kind: b.kind,
          reason: "rename",
          statePath: { from: b.path, to: newRemotePath },
        });
        rekeySide(side(o), kb, kq, eS.path);
        rekeyBase(kb, kq, newRemotePath);
        return;
      }
      if (allows(o)) {
        // The authoritative side still has it under the old name: undo the rename as a move.
        moves.push({ action: "move", side: s, from: eS.path, to: eO.path, kind: b.kind, reason: "revert_rename" });
        rekeySide(side(s), kq, kb, eO.path);
        return;
      }
    }
  }

  const planned = new Set<string>();
  const isTaken = (path: string) => {
    const k = keyOf(path);
    return R.byKey.has(k) || L.byKey.has(k) || B.has(k) || planned.has(k) || oos.remote.byKey.has(k) || oos.scaidrive.byKey.has(k);
  };

  unlisted = unlistedKeys();
  for (const k of unlisted) {
    for (const [s, idx] of [["remote", R], ["scaidrive", L]] as const) {
      const e = idx.byKey.get(k);
      if (e?.childrenUnknown === undefined) continue;
      actions.push({
        action: "error",
        path: e.path,
        code: "folder_unlisted",
        kind: "folder",
        logOnly: true,
        message: `the content of "${e.path}" could not be listed on the ${s} side (${e.childrenUnknown}); nothing below it was synced, deleted or pushed this run`,
      });
    }
  }

  const notes = new Map<string, NoteEntry>();
  for (const n of input.notes ?? []) notes.set(keyOf(n.path), n);
  const keys = new Set<string>([...R.byKey.keys(), ...L.byKey.keys(), ...B.keys(), ...notes.keys()]);
  const sorted = [...keys].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const deletes = { remote: 0, scaidrive: 0 };

  for (const k of sorted) {
    if (blockedKeys.has(k) || belowUnlisted(k)) continue;
    const r = R.byKey.get(k);
    const l = L.byKey.get(k);
    let b = B.get(k);
    const note = notes.get(k);
    const scope = outOfScope(k);
    if (scope) {
      planOutOfScope(r, l, b, note, scope);
      continue;
    }
    if (!r && !l && !b) {
      // Only a note is left (the item is gone, or back in scope and gone): nothing to keep.
      actions.push({ action: "forget", path: note!.path });
      continue;
    }
    if (r && l && r.kind !== l.kind) {
      actions.push({
        action: "error",
        path: r.path,
        code: "kind_mismatch",
        message: `"${r.path}" is a ${r.kind} on the remote and a ${l.kind} in ScaiDrive`,
      });
      continue;
    }
    const kind = (r ?? l ?? b)!.kind;
    if (b && b.kind !== kind) {
      actions.push({ action: "forget", path: b.path });
      b = undefined;
    }
    if (kind === "folder") {
      planFolder(r, l, b, note);
    } else {
      planFile(r, l, b);
    }
  }

  /**
   * Why `k` is out of scope on a side, if it is: the item itself is left out there, or a folder
   * above it is. The remote's reason comes first. (An item renamed or moved to a left-out name is
   * a delete of its old name, as before: untracking it would bring the old name back next run.)
   */
  function outOfScope(k: string): ScopeVerdict | undefined {
    for (const s of ["remote", "scaidrive"] as const) {
      const m = oos[s];
      if (m.byKey.size === 0) continue;
      const own = m.byKey.get(k);
      if (own) return { side: s, item: own, how: "own" };
      for (let i = k.indexOf("/"); i >= 0; i = k.indexOf("/", i + 1)) {
        const above = m.byKey.get(k.slice(0, i));
        if (above?.kind === "folder") return { side: s, item: above, how: "inside" };
      }
    }
    return undefined;
  }

  function planOutOfScope(r: RemoteEntry | undefined, l: RemoteEntry | undefined, b: BaseEntry | undefined, note: NoteEntry | undefined, scope: ScopeVerdict): void {
    const why = scopeText(scope);
    const message = `${why}: out of scope, not synced; nothing deleted`;
    const ownRemote = scope.side === "remote" && scope.how === "own" ? scope.item : undefined;
    const ownLocal = scope.side === "scaidrive" && scope.how === "own" ? scope.item : undefined;
    const path = b?.path ?? note?.path ?? ownRemote?.path ?? r?.path ?? ownLocal?.path ?? l!.path;
    const kind = b?.kind ?? ownRemote?.kind ?? r?.kind ?? ownLocal?.kind ?? l?.kind ?? note!.kind;
    if (b) {
      actions.push({ action: "untrack", path, kind, message, detail: `${why}: no longer synced; nothing deleted` });
      return;
    }
    if (note?.code === "out_of_scope" && note.message === message) return;
    // The in-scope item of the other side, if any, that a copy would otherwise overwrite or delete.
    const counterpart = scope.side === "remote" ? l : r;
    if (!counterpart && !note) return;
    if (!counterpart && note && note.code !== "out_of_scope") {
      actions.push({ action: "forget", path: note.path });
      return;
    }
    const otherName = scope.side === "remote" ? "ScaiDrive" : remoteWord;
    const detail = counterpart
      ? `${why}: not synced; the ${otherName} ${counterpart.kind} of the same name is neither copied over it nor deleted`
      : `${why}: not synced; nothing deleted`;
    actions.push({ action: "out_of_scope", path, kind, message, detail });
  }

  function scopeText(v: ScopeVerdict): string {
    const where = v.side === "remote" ? `on ${remoteTitle}` : "in ScaiDrive";
    const reason = (() => {
      switch (v.item.reason) {
        case "hidden":
          return `hidden ${where}`;
        case "system":
          return `a system ${v.item.kind} ${where}`;
        case "excluded":
          return "excluded by the connector's exclude patterns";
        case "not_included":
          return "not matched by the connector's include patterns";
        case "reparse_point":
          return `a link (reparse point) ${where}`;
      }
    })();
    return v.how === "inside" ? `inside "${v.item.path}", which is ${reason}` : reason;
  }

  function state(e: RemoteEntry | undefined, b: BaseEntry | undefined, s: Side): State {
    if (!e) return b ? "deleted" : "absent";
    if (!b) return "new";
    return input.fullSync || e.fingerprint !== baseFp(b, s) ? "changed" : "same";
  }

  function pull(r: RemoteEntry, l: RemoteEntry | undefined, b: BaseEntry | undefined, reason: CopyReason, check: boolean) {
    actions.push({ action: "copy", from: "remote", source: r, toPath: l?.path ?? r.path, dest: l, checkIdentical: check, reason, base: b });
  }
  function push(l: RemoteEntry, r: RemoteEntry | undefined, b: BaseEntry | undefined, reason: CopyReason, check: boolean) {
    actions.push({ action: "copy", from: "scaidrive", source: l, toPath: r?.path ?? l.path, dest: r, checkIdentical: check, reason, base: b });
  }
  function del(s: Side, e: RemoteEntry, b: BaseEntry, kept?: boolean) {
    if (e.kind === "file") deletes[s]++;
    const a: PlanAction = { action: "delete", side: s, path: e.path, kind: e.kind, expect: e, base: b, ...(kept ? { kept } : {}) };
    if (e.kind === "folder") folderDeletes.push(a);
    else actions.push(a);
  }

  function planFile(r: RemoteEntry | undefined, l: RemoteEntry | undefined, b: BaseEntry | undefined): void {
    const rs = state(r, b, "remote");
    const ls = state(l, b, "scaidrive");
    if (input.direction === "remote_to_scaidrive") {
      if (r) {
        if (rs === "same" && ls === "same") return;
        pull(r, l, b, !l ? (b ? "restore" : "new") : ls === "same" ? "changed" : "overwrite", !!l && ls !== "same");
      } else if (l) {
        del("scaidrive", l, b ?? baseFromEntries(undefined, l));
      } else if (b) {
        actions.push({ action: "forget", path: b.path });
      }
      return;
    }
    if (input.direction === "scaidrive_to_remote") {
      if (l) {
        if (rs === "same" && ls === "same") return;
        push(l, r, b, !r ? (b ? "restore" : "new") : rs === "same" ? "changed" : "overwrite", !!r && rs !== "same");
      } else if (r) {
        del("remote", r, b ?? baseFromEntries(r, undefined));
      } else if (b) {
        actions.push({ action: "forget", path: b.path });
      }
      return;
    }
    // bidirectional
    if (r && l) {
      if (rs === "same" && ls === "same") return;
      if (ls === "same") return pull(r, l, b, "changed", false);
      if (rs === "same") return push(l, r, b, "changed", false);
      // Both changed (or both new): a conflict unless the contents turn out identical.
      let resolution: Side | "keep_both";
      switch (input.conflict) {
        case "SCAIDRIVE_WINS":
          resolution = "scaidrive";
          break;
        case "REMOTE_WINS":
          resolution = "remote";
          break;
        case "KEEP_BOTH":
          resolution = "keep_both";
          break;
        default:
          resolution = l.mtimeMs > r.mtimeMs ? "scaidrive" : "remote";
      }
      let keepBothPath: string | undefined;
      if (resolution === "keep_both") {
        keepBothPath = conflictPath(l.path, isTaken);
        planned.add(keyOf(keepBothPath));
      }
      actions.push({ action: "conflict", remote: r, scaidrive: l, strategy: input.conflict, resolution, keepBothPath, base: b });
      return;
    }
    if (r) {
      // ScaiDrive side missing.
      if (rs === "new" || rs === "changed") return pull(r, undefined, b, b ? "restore" : "new", false);
      if (rs === "same") return del("remote", r, b!);
    } else if (l) {
      if (ls === "new" || ls === "changed") return push(l, undefined, b, b ? "restore" : "new", false);
      if (ls === "same") return del("scaidrive", l, b!);
    } else if (b) {
      actions.push({ action: "forget", path: b.path });
    }
  }

  function planFolder(r: RemoteEntry | undefined, l: RemoteEntry | undefined, b: BaseEntry | undefined, note: NoteEntry | undefined): void {
    if (r && l) {
      if (input.fullSync || !b || (b.remoteId ?? null) !== (r.id ?? null) || (b.scaidriveId ?? null) !== (l.id ?? null)) {
        actions.push({ action: "adopt", remote: r, scaidrive: l, hook: adoptHook });
      }
      return;
    }
    if (!r && !l) {
      if (b) actions.push({ action: "forget", path: b.path });
      return;
    }
    const present: Side = r ? "remote" : "scaidrive";
    const e = (r ?? l)!;
    const missing: Side = r ? "scaidrive" : "remote";
    // A folder deleted on one side and kept on this one because it was not empty is still
    // deleted, not new: it is not re-created on the other side, and its delete is retried.
    const kept = !b && note?.code === `kept_on_${present}` ? { ...baseFromEntries(r, l), path: note.path } : undefined;
    const tracked = b ?? kept;
    // bidirectional: a folder that was in the base and is gone on one side was deleted there;
    // otherwise it is new. One-way: the authoritative side decides.
    const create =
      input.direction === "bidirectional" ? !tracked : allows(present);
    if (create) {
      mkdirs.push({ action: "mkdir", side: missing, path: e.path, other: e });
      planned.add(keyOf(e.path));
    } else if (e.childrenUnknown === undefined) {
      del(present, e, tracked ?? baseFromEntries(r, l), kept !== undefined);
    }
  }

  mkdirs.sort((a, b) => depth((a as { path: string }).path) - depth((b as { path: string }).path));
  folderDeletes.sort((a, b) => depth((b as { path: string }).path) - depth((a as { path: string }).path));
  return {
    actions: [...moves, ...mkdirs, ...actions, ...folderDeletes],
    deletes,
    trackedFiles,
    // What a side lists out of scope still shows it is there (an unmounted share lists nothing).
    remoteCount: R.byKey.size + oos.remote.byKey.size,
    scaidriveCount: L.byKey.size + oos.scaidrive.byKey.size,
    remoteFiles: [...R.byKey.values()].filter((e) => e.kind === "file").length,
    scaidriveFiles: [...L.byKey.values()].filter((e) => e.kind === "file").length,
  };
}

function baseFromEntries(r: RemoteEntry | undefined, l: RemoteEntry | undefined): BaseEntry {
  const e = (r ?? l)!;
  return {
    path: e.path,
    kind: e.kind,
    remoteId: r?.id ?? null,
    remoteFingerprint: r?.fingerprint ?? "",
    scaidriveId: l?.id ?? null,
    scaidriveFingerprint: l?.fingerprint ?? "",
    sha256: null,
  };
}
