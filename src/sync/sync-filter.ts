/**
 * Which entries a connector syncs. The same filter applies to both sides, so an excluded file is
 * neither pulled nor pushed nor deleted: it is simply not part of the sync.
 *
 * Rules, in order:
 * 1. Reparse points (symlinks, junctions) are never synced; they are reported as skipped.
 * 2. Hidden entries unless `sync_hidden_files`, system entries unless `sync_system_files`.
 *    A skipped folder takes its whole subtree with it.
 * 3. `exclude_patterns` (files and folders): an entry is excluded if its extension is listed or a
 *    glob matches it; an excluded folder excludes its subtree.
 * 4. `include_patterns` (files only — folders are always walked so their content can match): when
 *    it lists anything, a file must match one of its extensions or globs.
 *
 * A glob without "/" is matched against the entry's name; a glob with "/" against its whole
 * relative path. Globs are case-insensitive when the remote is; extensions are always compared
 * case-insensitively and with or without a leading dot.
 */
import { compileGlob, type Glob } from "./glob-match.js";
import { baseName, type EntryKind } from "./remote.js";

export interface PatternSet {
  extensions?: string[];
  patterns?: string[];
}

export interface FilterConfig {
  include_patterns?: PatternSet | null;
  exclude_patterns?: PatternSet | null;
  sync_hidden_files?: boolean;
  sync_system_files?: boolean;
}

export interface FilterSubject {
  path: string;
  kind: EntryKind;
  hidden?: boolean;
  system?: boolean;
  reparsePoint?: boolean;
}

/** Why an entry is not synced (its own verdict; descendants of such a folder go with it). */
export type OutOfScopeReason = "reparse_point" | "hidden" | "system" | "excluded" | "not_included";

export type FilterVerdict = { sync: true } | { sync: false; reason: OutOfScopeReason };

interface CompiledSet {
  extensions: Set<string>;
  nameGlobs: Glob[];
  pathGlobs: Glob[];
  empty: boolean;
}

function compileSet(set: PatternSet | null | undefined, caseInsensitive: boolean): CompiledSet {
  const extensions = new Set(
    (set?.extensions ?? []).map((e) => e.replace(/^\./, "").toLowerCase()).filter((e) => e !== ""),
  );
  const nameGlobs: Glob[] = [];
  const pathGlobs: Glob[] = [];
  for (const p of new Set(set?.patterns ?? [])) {
    if (p === "") continue;
    const trimmed = trimSlashes(p);
    (trimmed.includes("/") ? pathGlobs : nameGlobs).push(compileGlob(trimmed.normalize("NFC"), { caseInsensitive }));
  }
  return {
    extensions,
    nameGlobs,
    pathGlobs,
    empty: extensions.size === 0 && nameGlobs.length === 0 && pathGlobs.length === 0,
  };
}

/** Leading and trailing "/" removed (a loop: `/\/+$/` backtracks quadratically over a run of slashes). */
function trimSlashes(p: string): string {
  let start = 0;
  let end = p.length;
  while (start < end && p[start] === "/") start++;
  while (end > start && p[end - 1] === "/") end--;
  return p.slice(start, end);
}

function extensionOf(name: string): string {
  const dot = name.lastIndexOf(".");
  return dot <= 0 ? "" : name.slice(dot + 1).toLowerCase();
}

function matches(set: CompiledSet, subject: FilterSubject, useExtensions: boolean): boolean {
  const name = baseName(subject.path);
  if (useExtensions && set.extensions.size > 0 && set.extensions.has(extensionOf(name))) return true;
  if (set.nameGlobs.some((g) => g.test(name))) return true;
  return set.pathGlobs.some((g) => g.test(subject.path));
}

export class SyncFilter {
  private readonly include: CompiledSet;
  private readonly exclude: CompiledSet;
  private readonly hidden: boolean;
  private readonly system: boolean;

  constructor(config: FilterConfig, options: { caseInsensitive: boolean }) {
    this.include = compileSet(config.include_patterns, options.caseInsensitive);
    this.exclude = compileSet(config.exclude_patterns, options.caseInsensitive);
    this.hidden = config.sync_hidden_files ?? false;
    this.system = config.sync_system_files ?? false;
  }

  /**
   * The verdict for one entry, ignoring its ancestors; callers walking a tree must also drop
   * descendants of a folder that was not synced (see {@link SubtreeFilter}).
   */
  check(subject: FilterSubject): FilterVerdict {
    if (subject.reparsePoint) return { sync: false, reason: "reparse_point" };
    if (subject.hidden && !this.hidden) return { sync: false, reason: "hidden" };
    if (subject.system && !this.system) return { sync: false, reason: "system" };
    if (!this.exclude.empty && matches(this.exclude, subject, subject.kind === "file"))
      return { sync: false, reason: "excluded" };
    if (subject.kind === "file" && !this.include.empty && !matches(this.include, subject, true)) {
      return { sync: false, reason: "not_included" };
    }
    return { sync: true };
  }
}

/**
 * Applies a {@link SyncFilter} to a parents-first stream of entries, dropping the descendants of
 * any folder that is not synced (they are not reported individually).
 */
export class SubtreeFilter {
  private readonly skippedFolders = new Set<string>();

  constructor(private readonly filter: SyncFilter) {}

  check(subject: FilterSubject): FilterVerdict | { sync: false; reason: "inside_skipped_folder" } {
    if (this.skippedFolders.size > 0) {
      for (let i = subject.path.indexOf("/"); i >= 0; i = subject.path.indexOf("/", i + 1)) {
        if (this.skippedFolders.has(subject.path.slice(0, i))) return { sync: false, reason: "inside_skipped_folder" };
      }
    }
    const verdict = this.filter.check(subject);
    if (!verdict.sync && subject.kind === "folder") this.skippedFolders.add(subject.path);
    return verdict;
  }
}
