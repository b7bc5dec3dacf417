/**
 * Streaming copy between two remotes, end to end, never holding a whole file: the source stream
 * passes through a verifier that hashes (SHA-256) and counts bytes and, after the last byte but
 * before the destination sees the end of the stream, checks that what was read is the content
 * the listing described. When the listed entry carries a hash the source remote can compute while
 * streaming (`Remote.contentHasher`, e.g. SharePoint's quickXorHash), the streamed bytes' hash is
 * compared with the listed one — no extra request per file. Otherwise (SMB, ScaiDrive) the source
 * is re-stat'ed and its fingerprint compared. A mismatch (or a wrong byte count) fails the stream,
 * so the destination — which commits only on a complete stream — commits nothing:
 * `changed_during_transfer`, retried on the next run.
 */
import { createHash } from "node:crypto";
import { Transform, pipeline, type TransformCallback, type Readable } from "node:stream";
import { RemoteError, isRemoteError } from "./remote-errors.js";
import type { ContentHasher, Remote, RemoteEntry } from "./remote.js";

/** The listed hash of `entry` that `remote` can recompute while streaming, with a fresh hasher. */
function listedHashCheck(remote: Remote, entry: RemoteEntry): { algorithm: string; listed: string; hasher: ContentHasher } | undefined {
  if (!remote.contentHasher) return undefined;
  for (const [algorithm, listed] of Object.entries(entry.hashes ?? {})) {
    if (!listed || !remote.capabilities.hashes.includes(algorithm)) continue;
    const hasher = remote.contentHasher(algorithm);
    if (hasher) return { algorithm, listed, hasher };
  }
  return undefined;
}

class Verifier extends Transform {
  readonly hash = createHash("sha256");
  bytes = 0;
  constructor(
    private readonly expected: RemoteEntry,
    private readonly restat: () => Promise<RemoteEntry>,
    private readonly onBytes: (n: number) => void,
    private readonly listed?: { algorithm: string; listed: string; hasher: ContentHasher },
  ) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.bytes += chunk.length;
    this.hash.update(chunk);
    this.listed?.hasher.update(chunk);
    this.onBytes(chunk.length);
    cb(null, chunk);
  }
  override _flush(cb: TransformCallback): void {
    const path = this.expected.path;
    if (this.bytes !== this.expected.size) {
      cb(new RemoteError("changed_during_transfer", `${path} changed while it was copied (${this.bytes} bytes read, ${this.expected.size} expected)`, { path }));
      return;
    }
    if (this.listed) {
      const got = this.listed.hasher.digest();
      const same = got.toLowerCase() === this.listed.listed.toLowerCase();
      cb(same ? undefined : new RemoteError("changed_during_transfer", `${path} changed while it was copied (${this.listed.algorithm} of the bytes read differs from the listed one)`, { path }));
      return;
    }
    this.restat().then(
      (now) => {
        if (now.fingerprint !== this.expected.fingerprint || now.size !== this.expected.size) {
          cb(new RemoteError("changed_during_transfer", `${path} changed while it was copied`, { path }));
        } else {
          cb();
        }
      },
      (err: unknown) => {
        cb(isRemoteError(err, "not_found") ? new RemoteError("changed_during_transfer", `${path} disappeared while it was copied`, { path }) : (err as Error));
      },
    );
  }
}

export interface TransferResult {
  written: RemoteEntry;
  sha256: string;
  bytes: number;
}

/**
 * Copies `source` (a file on `from`) to `toPath` on `to`. `ifMatchFingerprint` is passed to the
 * destination's write (null = must not exist). Aborting `signal` destroys the streams; nothing is
 * committed then. Throws the first error of either side.
 */
export async function transferFile(
  from: Remote,
  to: Remote,
  source: RemoteEntry,
  toPath: string,
  options: { ifMatchFingerprint?: string | null; signal: AbortSignal; onBytes: (n: number) => void },
): Promise<TransferResult> {
  const input: Readable = await from.read(source.path);
  const verifier = new Verifier(source, () => from.stat(source.path), options.onBytes, listedHashCheck(from, source));
  verifier.on("error", () => {});
  const abort = () => verifier.destroy(new RemoteError("other", "sync cancelled", { path: source.path }));
  options.signal.addEventListener("abort", abort, { once: true });
  pipeline(input, verifier, () => {});
  try {
    if (options.signal.aborted) abort();
    const written = await to.write(toPath, verifier, {
      size: source.size,
      mtimeMs: source.mtimeMs,
      ifMatchFingerprint: options.ifMatchFingerprint,
      owner: source.owner,
    });
    return { written, sha256: verifier.hash.digest("hex"), bytes: verifier.bytes };
  } finally {
    options.signal.removeEventListener("abort", abort);
    if (!verifier.destroyed) verifier.destroy();
    if (!input.destroyed) input.destroy();
  }
}

/** SHA-256 of a file's content, streamed. */
export async function hashFile(remote: Remote, path: string, signal: AbortSignal): Promise<string> {
  const input = await remote.read(path);
  const hash = createHash("sha256");
  const abort = () => input.destroy(new RemoteError("other", "sync cancelled", { path }));
  signal.addEventListener("abort", abort, { once: true });
  try {
    for await (const chunk of input) hash.update(chunk as Buffer);
  } finally {
    signal.removeEventListener("abort", abort);
  }
  return hash.digest("hex");
}

/**
 * True when both entries hold the same bytes: a common hash decides at once, different sizes
 * decide at once, otherwise the sides without a SHA-256 are read and hashed.
 */
export async function sameContent(
  remote: Remote,
  r: RemoteEntry,
  scaidrive: Remote,
  l: RemoteEntry,
  signal: AbortSignal,
): Promise<{ same: boolean; sha256: string | null }> {
  if (r.size !== l.size) return { same: false, sha256: null };
  for (const [alg, value] of Object.entries(r.hashes ?? {})) {
    const other = l.hashes?.[alg];
    if (other !== undefined && value !== undefined) {
      const same = other.toLowerCase() === value.toLowerCase();
      return { same, sha256: same ? (l.hashes?.sha256 ?? r.hashes?.sha256 ?? null) : null };
    }
  }
  const rh = r.hashes?.sha256 ?? (await hashFile(remote, r.path, signal));
  const lh = l.hashes?.sha256 ?? (await hashFile(scaidrive, l.path, signal));
  return { same: rh === lh, sha256: rh === lh ? rh : null };
}
