import { GraphError } from "../graph/graph-error.js";
import type { ContentStore } from "./content-store.js";
import type { DriveRecord, ItemRecord } from "./drive-model.js";
import { newOpaqueToken } from "./graph-ids.js";

/** What a delta token stands for; encoded base64url in `?token=`. */
interface TokenState {
  /** drive id */
  d: string;
  /** scope item id */
  s: string;
  /** changes after this log position */
  q: number;
  /** drive token epoch when minted */
  e: number;
  /** `token=<timestamp>`: changes at or after this time (epoch ms) instead of after `q` */
  t?: number;
  /** mid-enumeration: cursor id and offset into its snapshot */
  c?: string;
  o?: number;
}

interface Cursor {
  ids: string[];
  snapshotSeq: number;
  touched: number;
}

export interface DeltaPage {
  items: ItemRecord[];
  /** Set on every page but the last. */
  nextToken?: string;
  /** Set on the last page only. */
  deltaToken?: string;
}

const MAX_CURSORS = 64;

/**
 * Delta enumeration over a drive's change log. A token without a cursor means "changes after
 * log position q"; the first request fixes the list of changed items (parents before
 * children: by depth, then by change order) and pages through it with a cursor, so changes
 * made while a client pages never shift pages; they show up in the next round, after the
 * final deltaLink. Tokens minted before the drive's epoch was bumped answer 410 Gone with
 * `resyncRequired` / `resyncChangesApplyDifferences` and a Location for a fresh enumeration.
 * A timestamp in place of a token (`?token=2021-09-29T20%3A00%3A00Z`, OneDrive for Business and
 * SharePoint only) lists what changed at or after that second, deletions included. Unless the
 * first request of an enumeration asked `excludeParents` (`deltaExcludeParent` header), the
 * live ancestor folders of every changed item come along, as SharePoint sends them.
 */
export class DeltaFeed {
  private readonly cursors = new Map<string, Cursor>();

  constructor(private readonly store: ContentStore) {}

  page(
    drive: DriveRecord,
    scope: ItemRecord,
    token: string | undefined,
    pageSize: number,
    freshUrl: string,
    excludeParents = false,
  ): DeltaPage {
    let state: TokenState;
    const sinceMs = token === undefined ? undefined : parseTimestampToken(token);
    if (token === undefined) {
      state = { d: drive.id, s: scope.id, q: 0, e: drive.tokenEpoch };
    } else if (sinceMs !== undefined) {
      state = { d: drive.id, s: scope.id, q: 0, e: drive.tokenEpoch, t: sinceMs };
    } else if (token === "latest") {
      return { items: [], deltaToken: encode({ d: drive.id, s: scope.id, q: drive.seq, e: drive.tokenEpoch }) };
    } else {
      state = decode(token);
      if (state.d !== drive.id || state.s !== scope.id)
        throw new GraphError(400, "invalidRequest", "The delta token does not belong to this item.");
      if (state.e !== drive.tokenEpoch) {
        throw new GraphError(
          410,
          "resyncRequired",
          "Resync required. Replace any local items with the server's " +
            "version (including deletes) if you're sure that the service was " +
            "up to date with your local changes when you last sync'd. " +
            "Upload any local changes that the server doesn't know about.",
          { code: "resyncChangesApplyDifferences" },
          { location: freshUrl },
        );
      }
    }
    let cursorId = state.c;
    let cursor = cursorId ? this.cursors.get(cursorId) : undefined;
    if (cursorId && !cursor) {
      throw new GraphError(
        410,
        "resyncRequired",
        "The delta enumeration expired; start again.",
        { code: "resyncChangesApplyDifferences" },
        { location: freshUrl },
      );
    }
    if (!cursor) {
      cursor = {
        ids: this.store
          .changesSince(drive, scope, state.q, { sinceMs: state.t, withParents: !excludeParents })
          .map((i) => i.id),
        snapshotSeq: drive.seq,
        touched: Date.now(),
      };
      cursorId = newOpaqueToken();
      this.cursors.set(cursorId, cursor);
      this.trim();
    }
    cursor.touched = Date.now();
    const offset = state.o ?? 0;
    const slice = cursor.ids.slice(offset, offset + pageSize);
    const items = slice.map((id) => drive.items.get(id)!);
    if (offset + pageSize < cursor.ids.length) {
      return { items, nextToken: encode({ ...state, c: cursorId, o: offset + pageSize }) };
    }
    this.cursors.delete(cursorId!);
    return { items, deltaToken: encode({ d: drive.id, s: scope.id, q: cursor.snapshotSeq, e: drive.tokenEpoch }) };
  }

  /** Invalidates every token of the drive (control API); returns the new epoch. */
  expireTokens(drive: DriveRecord): number {
    drive.tokenEpoch++;
    return drive.tokenEpoch;
  }

  private trim(): void {
    if (this.cursors.size <= MAX_CURSORS) return;
    const oldest = [...this.cursors.entries()].sort((a, b) => a[1].touched - b[1].touched)[0];
    this.cursors.delete(oldest[0]);
  }
}

/**
 * Epoch ms of a timestamp token (ISO 8601 with `Z` or an offset, also the one-digit hour offsets
 * Microsoft's example shows, `+8:00`), floored to the second as modification times are; undefined
 * for anything else. A `+` that arrived unencoded was decoded to a space: taken as `+`.
 */
function parseTimestampToken(token: string): number | undefined {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)(Z|[+ -]\d{1,2}:?\d{2})?$/i.exec(token.trim());
  if (!m) return undefined;
  let zone = (m[2] ?? "Z").toUpperCase().replace(/^ /, "+");
  if (zone !== "Z") {
    const z = /^([+-])(\d{1,2}):?(\d{2})$/.exec(zone)!;
    zone = `${z[1]}${z[2].padStart(2, "0")}:${z[3]}`;
  }
  const ms = Date.parse(`${m[1]}${zone}`);
  if (Number.isNaN(ms)) throw new GraphError(400, "invalidRequest", `Invalid delta token timestamp: ${token}`);
  return Math.floor(ms / 1000) * 1000;
}

function encode(state: TokenState): string {
  return Buffer.from(JSON.stringify(state)).toString("base64url");
}

function decode(token: string): TokenState {
  try {
    const s = JSON.parse(Buffer.from(token, "base64url").toString()) as TokenState;
    if (typeof s.d !== "string" || typeof s.q !== "number") throw new Error("bad token");
    return s;
  } catch {
    throw new GraphError(400, "invalidRequest", "Invalid delta token.");
  }
}
