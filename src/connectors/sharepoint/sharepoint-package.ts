/**
 * OneNote notebooks as opaque blobs. SharePoint stores a notebook as a folder of section files
 * (`.one`, `.onetoc2`) with a `package` facet; ScaiDrive keeps it as ONE file whose content is a
 * POSIX tar (ustar, PAX `path` records for names over 100 bytes) of the notebook's members in
 * path order, folders first as they appear, with each member's SharePoint modification time.
 * The archive is deterministic, so its size and a fingerprint are known from a listing alone:
 *
 * - size = Σ (PAX record block, if any) + 512-byte header + content padded to 512, + 1024 end blocks;
 * - fingerprint = `pkg:` + SHA-256 of every member's path, size and content fingerprint
 *   (quickXorHash, see sharepoint-entry.ts): it changes exactly when a section's content, name or
 *   set changes.
 *
 * Listing a notebook costs one children request per folder inside it (notebooks are few and
 * small). The blob is read-only: writing a package back to SharePoint is not supported.
 */
import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import { RemoteError } from "../../sync/remote-errors.js";
import type { GraphHttp } from "./graph-http.js";
import type { DriveItem } from "./graph-types.js";
import { contentFingerprint, isPackage } from "./sharepoint-entry.js";

export interface PackageMember {
  /** Path inside the notebook ("Section A.one", "Group/Section.one"). */
  path: string;
  kind: "file" | "folder";
  size: number;
  mtimeMs: number;
  /** Content fingerprint of a file member ({@link contentFingerprint}); "" for folders. */
  fingerprint: string;
  downloadUrl?: string;
  id: string;
}

const BLOCK = 512;
const pad = (n: number): number => Math.ceil(n / BLOCK) * BLOCK;

/** Every member of the notebook whose item id is `id`, sorted by path (parents before children). */
export async function listPackage(graph: GraphHttp, driveUrl: string, id: string): Promise<PackageMember[]> {
  const out: PackageMember[] = [];
  const queue: Array<{ id: string; prefix: string }> = [{ id, prefix: "" }];
  while (queue.length > 0) {
    const folder = queue.shift()!;
    for await (const page of graph.pages<DriveItem>(
      `${driveUrl}/items/${encodeURIComponent(folder.id)}/children?$top=200`,
      "list notebook",
    )) {
      for (const item of page.value) {
        const path = `${folder.prefix}${(item.name ?? item.id).normalize("NFC")}`;
        const t = item.fileSystemInfo?.lastModifiedDateTime ?? item.lastModifiedDateTime;
        // Section groups are folders; a nested package (never seen in notebooks) is kept as a folder too.
        const folderLike = item.file === undefined && (item.folder !== undefined || isPackage(item));
        out.push({
          path,
          kind: folderLike ? "folder" : "file",
          size: folderLike ? 0 : (item.size ?? 0),
          mtimeMs: t ? Date.parse(t) : 0,
          fingerprint: folderLike ? "" : contentFingerprint(item),
          downloadUrl: item["@microsoft.graph.downloadUrl"],
          id: item.id,
        });
        if (folderLike) queue.push({ id: item.id, prefix: `${path}/` });
      }
    }
  }
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

function tarName(m: PackageMember): string {
  return m.kind === "folder" ? `${m.path}/` : m.path;
}

/** The PAX record `"<len> path=<name>\n"`, where <len> counts the whole record including itself. */
function paxRecord(name: string): Buffer {
  const body = ` path=${name}\n`;
  let len = Buffer.byteLength(body) + 1;
  while (String(len).length + Buffer.byteLength(body) !== len) len = String(len).length + Buffer.byteLength(body);
  return Buffer.from(`${len}${body}`);
}

function needsPax(name: string): boolean {
  return Buffer.byteLength(name) > 100;
}

export function packageSize(members: readonly PackageMember[]): number {
  let n = 0;
  for (const m of members) {
    const name = tarName(m);
    if (needsPax(name)) n += BLOCK + pad(paxRecord(name).length);
    n += BLOCK + (m.kind === "file" ? pad(m.size) : 0);
  }
  return n + 2 * BLOCK;
}

export function packageFingerprint(members: readonly PackageMember[]): string {
  const h = createHash("sha256");
  for (const m of members) h.update(`${m.kind}\u0000${m.path}\u0000${m.size}\u0000${m.fingerprint}\n`);
  return `pkg:${h.digest("hex")}`;
}

function octal(value: number, width: number): string {
  return value.toString(8).padStart(width - 1, "0");
}

function header(name: string, size: number, mtimeMs: number, type: "0" | "5" | "x"): Buffer {
  const b = Buffer.alloc(BLOCK);
  const nameBytes = Buffer.from(name);
  nameBytes.subarray(0, 100).copy(b, 0);
  b.write(octal(type === "5" ? 0o755 : 0o644, 8), 100, "ascii");
  b.write(octal(0, 8), 108, "ascii");
  b.write(octal(0, 8), 116, "ascii");
  b.write(octal(size, 12), 124, "ascii");
  b.write(octal(Math.max(0, Math.floor(mtimeMs / 1000)), 12), 136, "ascii");
  b.write("        ", 148, "ascii");
  b.write(type, 156, "ascii");
  b.write("ustar\u000000", 257, "ascii");
  let sum = 0;
  for (const byte of b) sum += byte;
  b.write(`${octal(sum, 7)}\u0000 `, 148, "ascii");
  return b;
}

/**
 * The archive as a stream; `open(member)` supplies each file's content. A member whose content
 * is not exactly its listed size fails the stream (the notebook changed under the read).
 */
export function packageStream(
  members: readonly PackageMember[],
  open: (m: PackageMember) => Promise<Readable>,
): Readable {
  async function* gen(): AsyncGenerator<Buffer> {
    for (const m of members) {
      const name = tarName(m);
      if (needsPax(name)) {
        const rec = paxRecord(name);
        yield header(`PaxHeaders/${m.id}`.slice(0, 100), rec.length, m.mtimeMs, "x");
        yield Buffer.concat([rec, Buffer.alloc(pad(rec.length) - rec.length)]);
      }
      yield header(name, m.kind === "file" ? m.size : 0, m.mtimeMs, m.kind === "file" ? "0" : "5");
      if (m.kind !== "file") continue;
      let got = 0;
      for await (const chunk of await open(m)) {
        const c = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
        got += c.length;
        if (got > m.size)
          throw new RemoteError("changed_during_transfer", `notebook member ${m.path} grew while it was read`);
        yield c;
      }
      if (got !== m.size)
        throw new RemoteError(
          "changed_during_transfer",
          `notebook member ${m.path} has ${got} bytes, the listing said ${m.size}`,
        );
      if (pad(m.size) > m.size) yield Buffer.alloc(pad(m.size) - m.size);
    }
    yield Buffer.alloc(2 * BLOCK);
  }
  return Readable.from(gen());
}

/** Bytes `start`..`end` (inclusive) of a stream. */
export function sliceStream(source: Readable, start: number, end?: number): Readable {
  async function* gen(): AsyncGenerator<Buffer> {
    let pos = 0;
    for await (const chunk of source) {
      const c = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
      const from = Math.max(0, start - pos);
      const to = end === undefined ? c.length : Math.min(c.length, end + 1 - pos);
      if (to > from) yield c.subarray(from, to);
      pos += c.length;
      if (end !== undefined && pos > end) break;
    }
  }
  return Readable.from(gen());
}
