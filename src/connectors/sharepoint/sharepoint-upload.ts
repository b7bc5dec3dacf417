/**
 * Writing file content to SharePoint.
 *
 * - Every non-empty file goes through an upload session created WITH `fileSystemInfo` and the
 *   conflict behaviour, so the modification time is set in the same request and SharePoint keeps
 *   ONE version per write. Fragments of `fragmentBytes` (a multiple of 320 KiB, default
 *   10 × 320 KiB) are PUT to the pre-authenticated `uploadUrl` without Authorization. A fragment
 *   that fails in a way the pacer must not replay (a reset or a 500 of the PUT: the server may
 *   have taken part of it) is resumed: the session's `nextExpectedRanges` says where the server
 *   stands and the held fragment is re-sent from there, with the pacer's waits and attempts.
 *   Throttling is the pacer's alone: a fragment it gave up on is not resumed.
 *   Only the last fragment commits the file, so nothing half-written is ever visible; on any
 *   failure the session is cancelled.
 * - Files up to `simpleUploadMaxBytes` take a simple `PUT .../content` followed by a
 *   `PATCH fileSystemInfo` (a simple upload cannot carry it). Default 0: only empty files, which
 *   an upload session cannot carry. Why not 4 MiB: on SharePoint / OneDrive for Business that
 *   PATCH creates a second version of every uploaded file (OneDrive/onedrive-api-docs#778), and
 *   the session costs the same two requests. The body is buffered — bounded by the threshold —
 *   so the pacer can replay it after 429/503.
 *
 * Preconditions: `ifMatch` (the base cTag) goes in `If-Match` (412 → `precondition_failed`);
 * create-only uses `@microsoft.graph.conflictBehavior: fail` (409 → `exists`). The source must
 * deliver exactly `size` bytes, otherwise nothing is committed and `changed_during_transfer` is thrown.
 */
import type { Readable } from "node:stream";
import { RemoteError } from "../../sync/remote-errors.js";
import { sleep } from "../../sync/retry-policy.js";
import { toRemoteError } from "./graph-errors.js";
import type { GraphHttp } from "./graph-http.js";
import { Pacer } from "./graph-pacer.js";
import type { DriveItem, UploadSession } from "./graph-types.js";

export const FRAGMENT_UNIT = 320 * 1024;
export const DEFAULT_FRAGMENT_BYTES = 10 * FRAGMENT_UNIT;
/** Simple uploads only for empty files by default (see the module comment). */
export const DEFAULT_SIMPLE_UPLOAD_MAX = 0;
/** Graph's guidance for simple uploads, for callers that accept the extra version. */
export const GRAPH_SIMPLE_UPLOAD_LIMIT = 4 * 1024 * 1024;

/** Pulls exact-size pieces out of a stream without holding more than one piece. */
export class ChunkReader {
  private readonly it: AsyncIterator<unknown>;
  private pending: Buffer = Buffer.alloc(0);
  private done = false;

  constructor(source: Readable) {
    this.it = source[Symbol.asyncIterator]();
  }

  /** Up to `n` bytes; fewer only at the end of the stream. */
  async read(n: number): Promise<Buffer> {
    const parts: Buffer[] = [];
    let have = 0;
    while (have < n) {
      if (this.pending.length === 0) {
        if (this.done) break;
        const r = await this.it.next();
        if (r.done) {
          this.done = true;
          break;
        }
        const v = r.value;
        this.pending = Buffer.isBuffer(v) ? v : Buffer.from(v as Uint8Array | string);
        continue;
      }
      const take = Math.min(n - have, this.pending.length);
      parts.push(this.pending.subarray(0, take));
      this.pending = this.pending.subarray(take);
      have += take;
    }
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts, have);
  }

  /** True when the stream has no byte left. */
  async atEnd(): Promise<boolean> {
    if (this.pending.length > 0) return false;
    while (!this.done) {
      const r = await this.it.next();
      if (r.done) {
        this.done = true;
        break;
      }
      const v = r.value;
      const b = Buffer.isBuffer(v) ? v : Buffer.from(v as Uint8Array | string);
      if (b.length > 0) {
        this.pending = b;
        return false;
      }
    }
    return true;
  }

  async close(): Promise<void> {
    await this.it.return?.().catch(() => undefined);
  }
}

export interface UploadTarget {
  /** Graph URL of the item by path, without the trailing `:` (e.g. `/drives/d/root:/a/b.txt`). */
  itemUrl: string;
  /** `/drives/{driveId}`: for by-id follow-up requests. */
  driveUrl: string;
  relPath: string;
  size: number;
  mtimeMs: number;
  /** Base cTag/eTag for If-Match; null for create-only; undefined for unconditional. */
  ifMatch?: string | null;
}

export interface UploadOptions {
  simpleUploadMaxBytes: number;
  fragmentBytes: number;
  /** Attempts per fragment, resumes from nextExpectedRanges included (default: the pacer's). */
  fragmentAttempts?: number;
}

function sizeMismatch(relPath: string, expected: number, got: string): RemoteError {
  return new RemoteError(
    "changed_during_transfer",
    `the source delivered ${got} instead of the announced ${expected} bytes; nothing was committed`,
    { path: relPath },
  );
}

function conflictHeaders(t: UploadTarget): Record<string, string> {
  return typeof t.ifMatch === "string" ? { "If-Match": t.ifMatch } : {};
}

async function readSmall(reader: ChunkReader, t: UploadTarget): Promise<Buffer> {
  const body = await reader.read(t.size);
  if (body.length < t.size) throw sizeMismatch(t.relPath, t.size, `${body.length}`);
  if (!(await reader.atEnd())) throw sizeMismatch(t.relPath, t.size, "more");
  return body;
}

export async function uploadFile(
  graph: GraphHttp,
  source: Readable,
  t: UploadTarget,
  o: UploadOptions,
): Promise<DriveItem> {
  if (o.fragmentBytes % FRAGMENT_UNIT !== 0 || o.fragmentBytes <= 0)
    throw new Error(`fragmentBytes must be a positive multiple of ${FRAGMENT_UNIT}`);
  const reader = new ChunkReader(source);
  try {
    if (t.size === 0 || t.size <= o.simpleUploadMaxBytes)
      return await simpleUpload(graph, await readSmall(reader, t), t);
    return await sessionUpload(graph, reader, t, o);
  } catch (err) {
    throw toRemoteError(err, `upload ${t.relPath}`, t.relPath);
  } finally {
    await reader.close();
  }
}

async function simpleUpload(graph: GraphHttp, body: Buffer, t: UploadTarget): Promise<DriveItem> {
  const q = t.ifMatch === null ? "?@microsoft.graph.conflictBehavior=fail" : "";
  const put = await graph.putBytes<DriveItem>(`${t.itemUrl}:/content${q}`, body, `upload ${t.relPath}`, {
    headers: conflictHeaders(t),
    path: t.relPath,
  });
  try {
    return await graph.patch<DriveItem>(
      `${t.driveUrl}/items/${put.id}`,
      { fileSystemInfo: { lastModifiedDateTime: new Date(t.mtimeMs).toISOString() } },
      `set modification time of ${t.relPath}`,
      { headers: put.eTag ? { "If-Match": put.eTag } : {}, path: t.relPath },
    );
  } catch (err) {
    // The content is committed; a concurrent change between the two requests keeps its own time.
    if (err instanceof RemoteError && (err.kind === "precondition_failed" || err.kind === "locked")) return put;
    throw err;
  }
}

/** Where the server wants the next byte, from `nextExpectedRanges` (["327680-"] → 327680). */
function nextExpected(session: UploadSession): number | undefined {
  const first = session.nextExpectedRanges?.[0];
  if (!first) return undefined;
  const n = Number(first.split("-")[0]);
  return Number.isFinite(n) ? n : undefined;
}

async function sessionUpload(
  graph: GraphHttp,
  reader: ChunkReader,
  t: UploadTarget,
  o: UploadOptions,
): Promise<DriveItem> {
  const what = `upload session for ${t.relPath}`;
  const session = await graph.post<UploadSession>(
    `${t.itemUrl}:/createUploadSession`,
    {
      item: {
        "@microsoft.graph.conflictBehavior": t.ifMatch === null ? "fail" : "replace",
        fileSystemInfo: { lastModifiedDateTime: new Date(t.mtimeMs).toISOString() },
      },
    },
    what,
    { headers: conflictHeaders(t), path: t.relPath },
  );
  const uploadUrl = session.uploadUrl;
  if (!uploadUrl) throw new RemoteError("other", `${what}: Graph returned no uploadUrl`, { path: t.relPath });
  let committed = false;
  try {
    let offset = 0;
    while (offset < t.size) {
      const want = Math.min(o.fragmentBytes, t.size - offset);
      const fragment = await reader.read(want);
      if (fragment.length < want) throw sizeMismatch(t.relPath, t.size, `${offset + fragment.length}`);
      const last = offset + fragment.length === t.size;
      if (last && !(await reader.atEnd())) throw sizeMismatch(t.relPath, t.size, "more");
      const result = await putFragment(
        graph,
        uploadUrl,
        fragment,
        offset,
        t,
        o.fragmentAttempts ?? graph.pacer.maxAttempts,
      );
      offset += fragment.length;
      if (last) {
        if (!result)
          throw new RemoteError("other", `${what}: the last fragment was accepted but no item came back`, {
            path: t.relPath,
          });
        committed = true;
        return result;
      }
    }
    throw new RemoteError("other", `${what}: nothing to upload`, { path: t.relPath });
  } finally {
    if (!committed) {
      await graph
        .fetchPreauthenticated(uploadUrl, { method: "DELETE" }, `cancel ${what}`, {
          idempotent: true,
          okStatuses: [404],
        })
        .catch(() => undefined);
    }
  }
}

/**
 * PUTs one fragment; on failure asks the session where it stands and re-sends what is missing
 * of this fragment. Returns the item when the fragment completed the file.
 */
async function putFragment(
  graph: GraphHttp,
  uploadUrl: string,
  fragment: Buffer,
  offset: number,
  t: UploadTarget,
  attempts: number,
): Promise<DriveItem | undefined> {
  let start = offset;
  const end = offset + fragment.length;
  for (let attempt = 1; ; attempt++) {
    const piece = fragment.subarray(start - offset);
    try {
      const res = await graph.fetchPreauthenticated(
        uploadUrl,
        {
          method: "PUT",
          headers: { "Content-Range": `bytes ${start}-${end - 1}/${t.size}`, "Content-Length": String(piece.length) },
          body: piece as unknown as BodyInit,
        },
        `upload fragment ${start}-${end - 1} of ${t.relPath}`,
        { idempotent: false, path: t.relPath },
      );
      const json = (await res.json()) as DriveItem & UploadSession;
      return res.status === 200 || res.status === 201 ? (json as DriveItem) : undefined;
    } catch (err) {
      const e = toRemoteError(err, `upload ${t.relPath}`, t.relPath);
      // `retryable` is false for what the pacer already retried (throttling): never a second round.
      const resumable = e.retryable || e.kind === "other";
      if (!resumable) throw e;
      if (attempt >= attempts)
        throw e.retryable ? Pacer.exhausted(e, `gave up after ${attempt} attempts to send the fragment`) : e;
      await sleep(graph.pacer.waitMs(attempt) ?? 0);
      const status = await graph.fetchPreauthenticated(uploadUrl, { method: "GET" }, `upload status of ${t.relPath}`, {
        idempotent: true,
        path: t.relPath,
      });
      const next = nextExpected((await status.json()) as UploadSession);
      if (next === undefined || next < offset || next > end) throw e;
      if (next === end) return undefined;
      start = next;
      graph
        .log()
        ?.warn(
          { path: t.relPath, resumeAt: next, attempt },
          "upload fragment failed; resuming from nextExpectedRanges",
        );
    }
  }
}
