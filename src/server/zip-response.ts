import { Readable } from "node:stream";
import type { FastifyReply, FastifyRequest } from "fastify";
import { ZipFile } from "yazl";
import type { ArchivePlan } from "../core/archive-plan.js";

/**
 * Sends `plan` as a ZIP built while it is sent (yazl): nothing is written to disk and only the
 * chunks in flight are in memory, however large the archive. Entries are stored, not deflated —
 * the files are mostly compressed already, deflating would cost a core for little, and stored
 * entries with known sizes let yazl compute the archive's length before the first byte, so the
 * answer carries Content-Length (a browser shows real progress). ZIP64 records are written where
 * sizes or offsets need them (entries or archives over 4 GiB, more than 65,535 entries).
 *
 * A blob that cannot be read after the headers went out (deleted and collected meanwhile) can only
 * cut the connection: the client sees a truncated download, never a wrong one.
 */
export function sendZip(
  request: FastifyRequest,
  reply: FastifyReply,
  plan: ArchivePlan,
  open: (sha256: string) => Promise<NodeJS.ReadableStream>,
  name: string,
): FastifyReply {
  const zip = new ZipFile();
  for (const e of plan.entries) {
    if (e.type === "folder") {
      zip.addEmptyDirectory(e.name, { mtime: e.modifiedAt });
      continue;
    }
    const sha256 = e.sha256!;
    zip.addReadStreamLazy(e.name, { mtime: e.modifiedAt, compress: false, size: e.size }, (cb) => {
      open(sha256).then(
        (stream) => cb(null, stream),
        (err: unknown) => cb(err, undefined as never),
      );
    });
  }
  let total = -1;
  const end = zip.end as (options: object, sized: (size: number) => void) => void;
  // yazl 3.3 predicts the ZIP64 end records once the central directory passes 64 KiB but writes
  // them only past 4 GiB, so its size would be 76 bytes too large: always writing them (every
  // ZIP64-capable reader accepts them) keeps prediction and archive the same.
  end.call(zip, { forceZip64Format: true }, (size) => {
    total = size;
  });
  const output = zip.outputStream as Readable;
  zip.on("error", (err: Error) => {
    request.log.warn({ err }, "ZIP download cut short");
    output.destroy(err);
  });
  reply
    .status(200)
    .header("content-type", "application/zip")
    .header("content-disposition", attachment(`${name}.zip`));
  // Every entry is stored with its size, so yazl knows the total at end() (it says -1 otherwise).
  if (total >= 0) reply.header("content-length", total);
  if (request.method === "HEAD") {
    output.destroy();
    return reply.send(Readable.from([]));
  }
  return reply.send(output);
}

/** `attachment` with an ASCII fallback name and the exact UTF-8 one (RFC 6266 §4.3). */
function attachment(filename: string): string {
  const ascii = filename.replace(/[^\x20-\x7e]|["\\%]/g, "_");
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(filename)}`;
}
