/**
 * Directory listing with QUERY_DIRECTORY / FileIdBothDirectoryInformation, paged: each round
 * trip asks for up to `bufferSize` bytes of entries (multi-credit) until STATUS_NO_MORE_FILES.
 */
import type { BoundTree } from "./file-handle.js";
import { Command } from "./messages/header.js";
import { Access, CreateOptions, Disposition, ShareAccess } from "./messages/create.js";
import {
  QueryDirectoryFlags,
  decodeFileIdBothDirectoryInformation,
  decodeOutputBufferResponse,
  encodeQueryDirectoryRequest,
} from "./messages/query-directory.js";
import { NtStatus, SmbError } from "./errors.js";
import { makeFileInfo, type SmbFileInfo } from "./file-info.js";

export interface ReaddirOptions {
  /** Wildcard pattern (default "*"). */
  pattern?: string;
  /** Bytes of entries per round trip (default min(MaxTransactSize, 1 MiB); at least 4 KiB). */
  bufferSize?: number;
}

/**
 * Yields pages of entries ("." and ".." left out).
 * @throws SmbError not_found when `path` does not exist; other kinds per NTSTATUS.
 */
export async function* listDirectoryPages(
  tree: () => Promise<BoundTree>,
  smbPath: string,
  opts: ReaddirOptions = {},
): AsyncGenerator<SmbFileInfo[]> {
  const t = await tree();
  const h = await t.open({
    name: smbPath,
    desiredAccess: Access.FILE_READ_DATA | Access.FILE_READ_ATTRIBUTES | Access.SYNCHRONIZE,
    fileAttributes: 0,
    shareAccess: ShareAccess.ALL,
    disposition: Disposition.OPEN,
    options: CreateOptions.DIRECTORY_FILE,
  });
  try {
    const size = Math.min(Math.max(opts.bufferSize ?? 1 << 20, 4096), t.conn.maxTransactSize);
    let flags: number = QueryDirectoryFlags.RESTART_SCANS;
    let first = true;
    for (;;) {
      const res = await t.send(
        Command.QUERY_DIRECTORY,
        encodeQueryDirectoryRequest(h.fileId, opts.pattern ?? "*", size, flags),
        {
          creditCharge: t.conn.creditChargeFor(size),
          ok: [NtStatus.NO_MORE_FILES],
        },
      );
      flags = 0;
      if (res.header.status === NtStatus.NO_MORE_FILES) break;
      const raw = decodeFileIdBothDirectoryInformation(
        decodeOutputBufferResponse(res.message, "QUERY_DIRECTORY response"),
      );
      // A server that answers a continuation with "." again has restarted the scan (Samba does so
      // when its first entries do not fit a tiny buffer): fail instead of looping forever.
      if (!first && raw.some((e) => e.name === "."))
        throw SmbError.protocol("server restarted the directory scan; use a larger bufferSize");
      first = false;
      const page: SmbFileInfo[] = [];
      for (const e of raw) if (e.name !== "." && e.name !== "..") page.push(makeFileInfo(e));
      if (page.length) yield page;
    }
  } finally {
    await h.close().catch(() => undefined);
  }
}
