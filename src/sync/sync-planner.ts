/**
 * The three-way planner: compares each side with the base (the file-states of the last
 * successful run), never the two sides with each other alone, and returns the actions that bring
 * both sides in step (see README.md for the table).
 *
 * It works on the run's working set in the database ({@link RunWorkspace}): both listings and the
 * base are rows, read as one merged stream in key order (a folder right before its subtree), and
 * the plan is written back as actions by phase — so a run over a million items plans in bounded
 * memory. The steps are the {@link Planner}'s methods, in order: names that collide, Samba's
 * mangled aliases, renames (the only step that looks items up by id across the tree), unlisted
 * folders, then one pass over the merged keys that decides each key on its own (`planFile`,
 * `planFolder`, `planOutOfScope`). What that pass must know about a key's ancestors (a folder out of
 * scope, unlisted, set aside) is a stack of the ancestors seen, so it stays bounded by depth.
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
import { joinPath, parentPath, type EntryKind, type RemoteEntry } from "./remote.js";
import type { ConflictStrategy, Direction, Side } from "./sync-options.js";
import type { OutOfScopeReason } from "./sync-filter.js";
import {
  isBelowKey,
  type BaseRow,
  type KeyGroup,
  type RunWorkspace,
  type SideRow,
} from "../store/sync/run-workspace-store.js";

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

/** How a run plans: the connector's settings and the remote's nature. */
export interface PlanSettings {
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
  /** How messages name the remote ("SMB"); default "the remote". */
  remoteTitle?: string;
}

export type CopyReason = "new" | "changed" | "restore" | "overwrite";

export type PlanAction =
  | {
      action: "move";
      side: Side;
      from: string;
      to: string;
      kind: EntryKind;
      reason: "rename" | "revert_rename";
      statePath?: { from: string; to: string };
    }
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
      /**
       * The hook a transfer would have run (remote authoritative for permissions unless the mode is ScaiDrive →
       * remote).
       */
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

/** The plan's phases: each runs after the previous one (see the executor). */
export const PHASE = {
  /** Moves (renames and their reverts), in the order planned. */
  moves: 0,
  /** Folder creations, parents first. */
  mkdirs: 1,
  /** Copies, conflicts, file deletes, records, errors: run with bounded concurrency. */
  main: 2,
  /** Folder deletions: read in reverse, so children go before their parents. */
  folderDeletes: 3,
} as const;

/** What the safety stop and the job need to know about a plan (the actions are in the workspace). */
export interface PlanSummary {
  deletes: { remote: number; scaidrive: number };
  /** Synced files of the base. */
  trackedFiles: number;
  /** Entries each side lists, in scope or not (an unmounted share lists nothing). */
  remoteCount: number;
  scaidriveCount: number;
  /** In-scope files each side lists. */
  remoteFiles: number;
  scaidriveFiles: number;
  /** Actions planned in all phases. */
  actionCount: number;
  /** Content bytes the planned copies and conflict resolutions may move (the job's `bytes_total`). */
  bytesTotal: number;
  /** Distinct in-scope file paths of both sides (the job's `files_scanned`). */
  distinctFiles: number;
}

type State = "same" | "changed" | "new" | "deleted" | "absent";

/** An item a side lists out of the filter's scope. */
interface OutOfScopeItem {
  path: string;
  kind: EntryKind;
  reason: OutOfScopeReason;
}

/** Why a key is out of scope: its own item, or a folder above it. */
interface ScopeVerdict {
  side: Side;
  item: OutOfScopeItem;
  how: "own" | "inside";
}

/** Actions buffered per phase before they are written in one batch. */
const ACTION_BATCH = 500;

/** Plans one run into `ws` (its listings and base filled in). @returns the plan's figures */
export async function planRun(ws: RunWorkspace, settings: PlanSettings): Promise<PlanSummary> {
  return new Planner(ws, settings).run();
}

class Planner {
  private readonly remoteTitle: string;
  private readonly remoteWord: string;
  private readonly pending = new Map<number, PlanAction[]>();
  private bytesTotal = 0;
  private readonly deletes = { remote: 0, scaidrive: 0 };
  /** Sort keys of folders whose content a side could not list (few). */
  private unlisted: string[] = [];
  /** Sort keys of folders and conflict copies this plan creates (what `isTaken` must also see). */
  private readonly planned = new Set<string>();
  /** Folders out of scope above the current key of the merge pass, per side (a stack by depth). */
  private readonly outOfScopeAbove: Record<Side, Array<{ sortKey: string; item: OutOfScopeItem }>> = {
    remote: [],
    scaidrive: [],
  };

  constructor(
    private readonly ws: RunWorkspace,
    private readonly s: PlanSettings,
  ) {
    this.remoteTitle = s.remoteTitle ?? "the remote";
    this.remoteWord = s.remoteTitle ?? "remote";
  }

  async run(): Promise<PlanSummary> {
    await this.setAsideCollisions("remote");
    await this.setAsideCollisions("scaidrive");
    await this.resolveNameAliases();
    this.unlisted = await this.unlistedKeys();
    await this.detectRenames();
    this.unlisted = await this.unlistedKeys();
    await this.reportUnlisted();
    for await (const g of this.ws.groups()) await this.planKey(g);
    for (const phase of this.pending.keys()) await this.flush(phase);
    const c = await this.ws.counts();
    return {
      deletes: this.deletes,
      trackedFiles: c.baseFiles,
      remoteCount: c.live.remote.all + c.outOfScope.remote,
      scaidriveCount: c.live.scaidrive.all + c.outOfScope.scaidrive,
      remoteFiles: c.live.remote.files,
      scaidriveFiles: c.live.scaidrive.files,
      actionCount: await this.ws.actionCount(),
      bytesTotal: this.bytesTotal,
      distinctFiles: c.distinctFiles,
    };
  }

  // ---- output ------------------------------------------------------------------------------------

  private async emit(phase: number, action: PlanAction): Promise<void> {
    this.bytesTotal += bytesToMove(action);
    let list = this.pending.get(phase);
    if (!list) this.pending.set(phase, (list = []));
    list.push(action);
    if (list.length >= ACTION_BATCH) await this.flush(phase);
  }

  private async flush(phase: number): Promise<void> {
    const list = this.pending.get(phase);
    if (!list || list.length === 0) return;
    this.pending.set(phase, []);
    await this.ws.addActions(phase, list);
  }

  // ---- helpers -----------------------------------------------------------------------------------

  private sortKey(path: string): string {
    return this.ws.sortKey(path);
  }

  private allows(from: Side): boolean {
    return (
      this.s.direction === "bidirectional" ||
      this.s.direction === (from === "remote" ? "remote_to_scaidrive" : "scaidrive_to_remote")
    );
  }

  private belowUnlisted(sk: string): boolean {
    return this.unlisted.some((u) => isBelowKey(sk, u));
  }

  private async isTaken(path: string): Promise<boolean> {
    const sk = this.sortKey(path);
    return this.planned.has(sk) || (await this.ws.taken(sk));
  }

  // ---- step 1: names that collide ----------------------------------------------------------------

  /**
   * Two names of one side with the same key (case twins on a case-insensitive remote, NFC/NFD
   * twins anywhere) cannot both be synced: each, and everything below them on that side, is a
   * per-file `case_conflict` error and is set aside — the key is left alone this run.
   */
  private async setAsideCollisions(side: Side): Promise<void> {
    for (const sk of await this.ws.collidingKeys(side)) {
      const rows = (await this.ws.sideAt(side, sk)).filter((r) => r.scope === null && !r.blocked);
      if (rows.length < 2) continue;
      // Paths are NFC: two names that are the same string differ only in their Unicode normal form
      // on that side (an NFC and an NFD spelling of one name), not in case.
      const how = rows.every((r) => r.entry.path === rows[0]!.entry.path)
        ? "in Unicode normalisation (NFC/NFD)"
        : "in case";
      for (const r of rows) await this.reportTwin(r.entry, side, how);
      const segments = rows[0]!.entry.path.split("/").length;
      for await (const below of this.ws.below(side, sk)) {
        if (below.scope !== null) continue;
        // The colliding folder as this item's own path spells it.
        await this.reportTwin(below.entry, side, how, below.entry.path.split("/").slice(0, segments).join("/"));
      }
      await this.ws.block(side, sk, true);
    }
  }

  private async reportTwin(e: RemoteEntry, side: Side, how: string, inside?: string): Promise<void> {
    const sideName = side === "remote" ? this.remoteWord : "ScaiDrive";
    // Names differing in case collide on a case-insensitive remote; NFC/NFD twins collide in the
    // engine itself, which speaks NFC.
    const which = how === "in case" ? "the remote" : "the sync";
    await this.emit(PHASE.main, {
      action: "error",
      path: e.path,
      code: "case_conflict",
      kind: e.kind,
      message:
        inside === undefined
          ? `"${e.path}" differs from another ${sideName} name only ${how}, which ${which} cannot hold apart`
          : `"${e.path}" is inside "${inside}", whose name ` +
            `differs from another ${sideName} name only ${how}, which ${which} cannot hold apart`,
    });
  }

  // ---- step 2: Samba's mangled aliases ----------------------------------------------------------

  /**
   * Samba lists a name Windows clients cannot hold (`aux.txt`) under a mangled alias
   * (`AHY9U3~9.TXT`) with the item's file id, and the adapter gives the real name in
   * `realName`. Such an entry takes the real name's key when the base or ScaiDrive knows the
   * item by that name and neither knows the alias, so it is the same item (no rename, no copy,
   * ScaiDrive's spelling kept); otherwise it keeps the alias, under which an item created on the
   * server keeps arriving, run after run. Parents first: a re-keyed folder takes its subtree along.
   */
  private async resolveNameAliases(): Promise<void> {
    const decided = new Set<number>();
    for (;;) {
      const next = (await this.ws.aliasedRemoteRows()).find((r) => !decided.has(r.seq));
      if (!next) return;
      decided.add(next.seq);
      const e = next.entry;
      const realPath = joinPath(parentPath(e.path), e.realName!);
      const kr = this.sortKey(realPath);
      const ka = next.sortKey;
      if (kr === ka || (await this.ws.liveAt("remote", kr))) continue;
      if ((await this.ws.baseAt(ka))?.base || (await this.ws.liveAt("scaidrive", ka))) continue;
      if (!((await this.ws.baseAt(kr))?.base || (await this.ws.liveAt("scaidrive", kr)))) continue;
      await this.ws.rekey("remote", { sortKey: ka, path: e.path }, { sortKey: kr, path: realPath });
    }
  }

  // ---- step 3: renames ---------------------------------------------------------------------------

  private async unlistedKeys(): Promise<string[]> {
    return [...new Set((await this.ws.unlistedFolders()).map((u) => u.row.sortKey))];
  }

  /**
   * The same id at another path on one side is a rename there, propagated as a move on the other
   * (a folder's subtree moves with it) or reverted on the non-authoritative side of a one-way
   * mode. Parents first; children re-keyed under a renamed folder get a second pass, since they
   * may have been renamed themselves.
   */
  private async detectRenames(): Promise<void> {
    for (let pass = 0; pass < 2; pass++) {
      let after: [number, string] | undefined;
      for (;;) {
        const page = await this.ws.renameCandidates(after);
        if (page.length === 0) break;
        for (const c of page) {
          // Re-read: an earlier rename in this pass may have moved it.
          const current = await this.ws.baseAt(c.sortKey);
          if (current?.base && current.seq === c.seq) await this.detectRename(c.sortKey, current.base);
        }
        const last = page[page.length - 1]!;
        after = [last.depth, last.sortKey];
      }
    }
  }

  private async detectRename(kb: string, b: BaseEntry): Promise<void> {
    for (const s of ["remote", "scaidrive"] as const) {
      const o: Side = s === "remote" ? "scaidrive" : "remote";
      const id = s === "remote" ? b.remoteId : b.scaidriveId;
      // An id several synced names share (a file and a symbolic link to it, as Samba shows them)
      // never makes a rename: which name went where cannot be told.
      if (!id || (await this.ws.baseRowsWithId(s, id)) > 1) continue;
      // A rename only if the id left the old key and shows at exactly one new live key: two
      // live names sharing an id (a link and its target) are two items, not a rename.
      const keys = await this.ws.liveKeysWithId(s, id);
      if (keys.length !== 1 || keys[0] === kb) continue;
      const kq = keys[0]!;
      // What lies below an unlisted folder is unknown on one side: no rename into or out of it.
      if (this.belowUnlisted(kb) || this.belowUnlisted(kq)) continue;
      const eS = (await this.ws.liveAt(s, kq))!.entry;
      if (eS.kind !== b.kind || (await this.ws.liveAt(s, kb)) || (await this.ws.baseAt(kq))?.base) continue;
      // A reused id with other content is a new file that got a deleted one's id, not a rename
      // (a rename and an edit between two runs then sync as a delete and a create).
      if (s === "remote" && this.s.remoteReusesIds && b.kind === "file" && eS.fingerprint !== b.remoteFingerprint)
        continue;
      const eO = (await this.ws.liveAt(o, kb))?.entry;
      if (!eO || eO.kind !== b.kind) continue;
      const oId = o === "remote" ? b.remoteId : b.scaidriveId;
      const oFp = o === "remote" ? b.remoteFingerprint : b.scaidriveFingerprint;
      if (oId ? eO.id !== oId : b.kind === "file" && eO.fingerprint !== oFp) continue;
      if (this.allows(s)) {
        if (await this.ws.liveAt(o, kq)) continue;
        // Either way the remote ends up spelling the item eS.path, which keys its file-state.
        await this.emit(PHASE.moves, {
          action: "move",
          side: o,
          from: eO.path,
          to: eS.path,
          kind: b.kind,
          reason: "rename",
          statePath: { from: b.path, to: eS.path },
        });
        await this.ws.rekey(o, { sortKey: kb, path: eO.path }, { sortKey: kq, path: eS.path });
        await this.ws.rekey("base", { sortKey: kb, path: b.path }, { sortKey: kq, path: eS.path });
        return;
      }
      if (this.allows(o)) {
        // The authoritative side still has it under the old name: undo the rename as a move.
        await this.emit(PHASE.moves, {
          action: "move",
          side: s,
          from: eS.path,
          to: eO.path,
          kind: b.kind,
          reason: "revert_rename",
        });
        await this.ws.rekey(s, { sortKey: kq, path: eS.path }, { sortKey: kb, path: eO.path });
        return;
      }
    }
  }

  // ---- step 4: unlisted folders ------------------------------------------------------------------

  private async reportUnlisted(): Promise<void> {
    for (const { side, row } of await this.ws.unlistedFolders()) {
      const e = row.entry;
      await this.emit(PHASE.main, {
        action: "error",
        path: e.path,
        code: "folder_unlisted",
        kind: "folder",
        logOnly: true,
        message:
          `the content of "${e.path}" could not ` +
          `be listed on the ${side} side (${e.childrenUnknown}); nothing below it ` +
          `was synced, deleted or pushed this run`,
      });
    }
  }

  // ---- step 5: the merged pass -------------------------------------------------------------------

  private async planKey(g: KeyGroup): Promise<void> {
    const k = g.sortKey;
    const own = { remote: ownOutOfScope(g.remote), scaidrive: ownOutOfScope(g.scaidrive) };
    const scope = this.outOfScope(k, own);
    for (const side of ["remote", "scaidrive"] as const) {
      const item = own[side];
      if (item?.kind === "folder") this.outOfScopeAbove[side].push({ sortKey: k, item });
    }
    // Names set aside (colliding, or below colliding ones) leave the key alone; so does an unlisted folder.
    if (g.remote.some((r) => r.blocked) || g.scaidrive.some((r) => r.blocked) || this.belowUnlisted(k)) return;
    const r = live(g.remote);
    const l = live(g.scaidrive);
    let b = g.base?.base ?? undefined;
    const note = g.base?.note ?? undefined;
    if (scope) return this.planOutOfScope(r, l, b, note, scope);
    if (!r && !l && !b) {
      // Only a note is left (the item is gone, or back in scope and gone): nothing to keep.
      if (note) await this.emit(PHASE.main, { action: "forget", path: note.path });
      return;
    }
    if (r && l && r.kind !== l.kind) {
      await this.emit(PHASE.main, {
        action: "error",
        path: r.path,
        code: "kind_mismatch",
        message: `"${r.path}" is a ${r.kind} on the remote and a ${l.kind} in ScaiDrive`,
      });
      return;
    }
    const kind = (r ?? l ?? b)!.kind;
    if (b && b.kind !== kind) {
      await this.emit(PHASE.main, { action: "forget", path: b.path });
      b = undefined;
    }
    if (kind === "folder") await this.planFolder(r, l, b, note);
    else await this.planFile(r, l, b);
  }

  /**
   * Why the key is out of scope on a side, if it is: the item itself is left out there, or a
   * folder above it is. The remote's reason comes first. (An item renamed or moved to a left-out
   * name is a delete of its old name, as before: untracking it would bring the old name back.)
   */
  private outOfScope(k: string, own: Record<Side, OutOfScopeItem | undefined>): ScopeVerdict | undefined {
    for (const side of ["remote", "scaidrive"] as const) {
      const above = this.outOfScopeAbove[side];
      while (above.length > 0 && !isBelowKey(k, above[above.length - 1]!.sortKey)) above.pop();
      const item = own[side];
      if (item) return { side, item, how: "own" };
      const folder = above[above.length - 1];
      if (folder) return { side, item: folder.item, how: "inside" };
    }
    return undefined;
  }

  private async planOutOfScope(
    r: RemoteEntry | undefined,
    l: RemoteEntry | undefined,
    b: BaseEntry | undefined,
    note: NoteEntry | undefined,
    scope: ScopeVerdict,
  ): Promise<void> {
    const why = this.scopeText(scope);
    const message = `${why}: out of scope, not synced; nothing deleted`;
    const ownRemote = scope.side === "remote" && scope.how === "own" ? scope.item : undefined;
    const ownLocal = scope.side === "scaidrive" && scope.how === "own" ? scope.item : undefined;
    const path = b?.path ?? note?.path ?? ownRemote?.path ?? r?.path ?? ownLocal?.path ?? l!.path;
    const kind = b?.kind ?? ownRemote?.kind ?? r?.kind ?? ownLocal?.kind ?? l?.kind ?? note!.kind;
    if (b) {
      await this.emit(PHASE.main, {
        action: "untrack",
        path,
        kind,
        message,
        detail: `${why}: no longer synced; nothing deleted`,
      });
      return;
    }
    if (note?.code === "out_of_scope" && note.message === message) return;
    // The in-scope item of the other side, if any, that a copy would otherwise overwrite or delete.
    const counterpart = scope.side === "remote" ? l : r;
    if (!counterpart && !note) return;
    if (!counterpart && note && note.code !== "out_of_scope") {
      await this.emit(PHASE.main, { action: "forget", path: note.path });
      return;
    }
    const otherName = scope.side === "remote" ? "ScaiDrive" : this.remoteWord;
    const detail = counterpart
      ? `${why}: not synced; the ${otherName} ${counterpart.kind} of the same name is ` +
        `neither copied over it nor deleted`
      : `${why}: not synced; nothing deleted`;
    await this.emit(PHASE.main, { action: "out_of_scope", path, kind, message, detail });
  }

  private scopeText(v: ScopeVerdict): string {
    const where = v.side === "remote" ? `on ${this.remoteTitle}` : "in ScaiDrive";
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

  private state(e: RemoteEntry | undefined, b: BaseEntry | undefined, s: Side): State {
    if (!e) return b ? "deleted" : "absent";
    if (!b) return "new";
    return this.s.fullSync || e.fingerprint !== (s === "remote" ? b.remoteFingerprint : b.scaidriveFingerprint)
      ? "changed"
      : "same";
  }

  private pull(
    r: RemoteEntry,
    l: RemoteEntry | undefined,
    b: BaseEntry | undefined,
    reason: CopyReason,
    check: boolean,
  ): Promise<void> {
    return this.emit(PHASE.main, {
      action: "copy",
      from: "remote",
      source: r,
      toPath: l?.path ?? r.path,
      dest: l,
      checkIdentical: check,
      reason,
      base: b,
    });
  }

  private push(
    l: RemoteEntry,
    r: RemoteEntry | undefined,
    b: BaseEntry | undefined,
    reason: CopyReason,
    check: boolean,
  ): Promise<void> {
    return this.emit(PHASE.main, {
      action: "copy",
      from: "scaidrive",
      source: l,
      toPath: r?.path ?? l.path,
      dest: r,
      checkIdentical: check,
      reason,
      base: b,
    });
  }

  private del(s: Side, e: RemoteEntry, b: BaseEntry, kept?: boolean): Promise<void> {
    if (e.kind === "file") this.deletes[s]++;
    const a: PlanAction = {
      action: "delete",
      side: s,
      path: e.path,
      kind: e.kind,
      expect: e,
      base: b,
      ...(kept ? { kept } : {}),
    };
    return this.emit(e.kind === "folder" ? PHASE.folderDeletes : PHASE.main, a);
  }

  private async planFile(
    r: RemoteEntry | undefined,
    l: RemoteEntry | undefined,
    b: BaseEntry | undefined,
  ): Promise<void> {
    const rs = this.state(r, b, "remote");
    const ls = this.state(l, b, "scaidrive");
    if (this.s.direction === "remote_to_scaidrive") {
      if (r) {
        if (rs === "same" && ls === "same") return;
        await this.pull(
          r,
          l,
          b,
          !l ? (b ? "restore" : "new") : ls === "same" ? "changed" : "overwrite",
          !!l && ls !== "same",
        );
      } else if (l) {
        await this.del("scaidrive", l, b ?? baseFromEntries(undefined, l));
      } else if (b) {
        await this.emit(PHASE.main, { action: "forget", path: b.path });
      }
      return;
    }
    if (this.s.direction === "scaidrive_to_remote") {
      if (l) {
        if (rs === "same" && ls === "same") return;
        await this.push(
          l,
          r,
          b,
          !r ? (b ? "restore" : "new") : rs === "same" ? "changed" : "overwrite",
          !!r && rs !== "same",
        );
      } else if (r) {
        await this.del("remote", r, b ?? baseFromEntries(r, undefined));
      } else if (b) {
        await this.emit(PHASE.main, { action: "forget", path: b.path });
      }
      return;
    }
    // bidirectional
    if (r && l) {
      if (rs === "same" && ls === "same") return;
      if (ls === "same") return this.pull(r, l, b, "changed", false);
      if (rs === "same") return this.push(l, r, b, "changed", false);
      return this.planConflict(r, l, b);
    }
    if (r) {
      // ScaiDrive side missing.
      if (rs === "new" || rs === "changed") return this.pull(r, undefined, b, b ? "restore" : "new", false);
      if (rs === "same") return this.del("remote", r, b!);
    } else if (l) {
      if (ls === "new" || ls === "changed") return this.push(l, undefined, b, b ? "restore" : "new", false);
      if (ls === "same") return this.del("scaidrive", l, b!);
    } else if (b) {
      await this.emit(PHASE.main, { action: "forget", path: b.path });
    }
  }

  /** Both changed (or both new): a conflict unless the contents turn out identical. */
  private async planConflict(r: RemoteEntry, l: RemoteEntry, b: BaseEntry | undefined): Promise<void> {
    let resolution: Side | "keep_both";
    switch (this.s.conflict) {
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
      keepBothPath = await conflictPath(l.path, (c) => this.isTaken(c));
      this.planned.add(this.sortKey(keepBothPath));
    }
    await this.emit(PHASE.main, {
      action: "conflict",
      remote: r,
      scaidrive: l,
      strategy: this.s.conflict,
      resolution,
      keepBothPath,
      base: b,
    });
  }

  private async planFolder(
    r: RemoteEntry | undefined,
    l: RemoteEntry | undefined,
    b: BaseEntry | undefined,
    note: NoteEntry | undefined,
  ): Promise<void> {
    if (r && l) {
      if (
        this.s.fullSync ||
        !b ||
        (b.remoteId ?? null) !== (r.id ?? null) ||
        (b.scaidriveId ?? null) !== (l.id ?? null)
      ) {
        await this.emit(PHASE.main, {
          action: "adopt",
          remote: r,
          scaidrive: l,
          hook: this.s.direction === "scaidrive_to_remote" ? "afterPush" : "afterPull",
        });
      }
      return;
    }
    if (!r && !l) {
      if (b) await this.emit(PHASE.main, { action: "forget", path: b.path });
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
    const create = this.s.direction === "bidirectional" ? !tracked : this.allows(present);
    if (create) {
      await this.emit(PHASE.mkdirs, { action: "mkdir", side: missing, path: e.path, other: e });
      this.planned.add(this.sortKey(e.path));
    } else if (e.childrenUnknown === undefined) {
      await this.del(present, e, tracked ?? baseFromEntries(r, l), kept !== undefined);
    }
  }
}

/** The in-scope, not set-aside entry of a key on a side (at most one once collisions are set aside). */
function live(rows: SideRow[]): RemoteEntry | undefined {
  return rows.find((r) => r.scope === null && !r.blocked)?.entry;
}

function ownOutOfScope(rows: SideRow[]): OutOfScopeItem | undefined {
  const row = rows.find((r) => r.scope !== null);
  return row ? { path: row.entry.path, kind: row.entry.kind, reason: row.scope as OutOfScopeReason } : undefined;
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

export type { BaseRow };

/** Bytes an action may move: a copy its source; a conflict the winner's content, both files when both are kept. */
function bytesToMove(a: PlanAction): number {
  if (a.action === "copy") return a.source.kind === "file" ? a.source.size : 0;
  if (a.action !== "conflict") return 0;
  if (a.resolution === "keep_both") return a.remote.size + a.scaidrive.size;
  return a.resolution === "remote" ? a.remote.size : a.scaidrive.size;
}
