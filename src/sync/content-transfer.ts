/**
 * Streaming copy between two remotes, end to end, never holding a whole large file: the source stream
 * passes through a verifier that hashes (SHA-256) and counts bytes and, after the last byte but
 * before the destination sees the end of the stream, checks that what was read is the content
 * the listing described. When the listed entry carries a hash the source remote can compute while
 * streaming (`Remote.contentHasher`, e.g. SharePoint's quickXorHash), the streamed bytes' hash is
 * compared with the listed one — no extra request per file. Otherwise (SMB, ScaiDrive) the source
 * is re-stat'ed and its fingerprint compared. A mismatch (or a wrong byte count) fails the stream,
 * so the destination — which commits only on a complete stream — commits nothing:
 * `changed_during_transfer`, retried on the next run.
 *
 * Small files (≤ {@link WHOLE_READ_MAX_BYTES}) come in one request where the source offers
 * `Remote.readWhole`, and are checked in full before the destination sees a byte: the entry that
 * request reports (taken when it opened the file, before the bytes) must carry the listed
 * fingerprint, so no re-stat follows. A change after that open moves the file's fingerprint away
 * from the one recorded as the base, so the next run copies it again: the base never claims newer
 * content than what was copied. (Memory: at most that limit per transfer in flight.)
 *
 * The SHA-256 of the copied bytes is taken from the source when it reads by hash (ScaiDrive's
 * versions, see `KnownContent`), from the destination when it computes one itself (ScaiDrive's
 * blob store hashes what it commits), and computed here otherwise: at most one hash pass per
 * byte.
 */
import { createHash, type Hash } from "node:crypto";
import { Readable, Transform, pipeline, type TransformCallback } from "node:stream";
import { RemoteError, isRemoteError } from "./remote-errors.js";
import {
  knowsContent,
  recyclesChunks,
  type ContentHasher,
  type Remote,
  type RemoteEntry,
  type WriteOptions,
} from "./remote.js";

/** The listed hash of `entry` that `remote` can recompute while streaming, with a fresh hasher. */
function listedHashCheck(
  remote: Remote,
  entry: RemoteEntry,
): { algorithm: string; listed: string; hasher: ContentHasher } | undefined {
  if (!remote.contentHasher) return undefined;
  for (const [algorithm, listed] of Object.entries(entry.hashes ?? {})) {
    if (!listed || !remote.capabilities.hashes.includes(algorithm)) continue;
    const hasher = remote.contentHasher(algorithm);
    if (hasher) return { algorithm, listed, hasher };
  }
  return undefined;
}

class Verifier extends Transform {
  readonly hash: Hash | undefined;
  bytes = 0;
  constructor(
    private readonly expected: RemoteEntry,
    private readonly restat: () => Promise<RemoteEntry>,
    private readonly onBytes: (n: number) => void,
    private readonly listed: { algorithm: string; listed: string; hasher: ContentHasher } | undefined,
    hashing: boolean,
  ) {
    super();
    this.hash = hashing ? createHash("sha256") : undefined;
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.bytes += chunk.length;
    this.hash?.update(chunk);
    this.listed?.hasher.update(chunk);
    this.onBytes(chunk.length);
    cb(null, chunk);
  }
  override _flush(cb: TransformCallback): void {
    const path = this.expected.path;
    if (this.bytes !== this.expected.size) {
      cb(
        new RemoteError(
          "changed_during_transfer",
          `${path} changed while it was copied (${this.bytes} bytes read, ${this.expected.size} expected)`,
          { path },
        ),
      );
      return;
    }
    if (this.listed) {
      const got = this.listed.hasher.digest();
      const same = got.toLowerCase() === this.listed.listed.toLowerCase();
      cb(
        same
          ? undefined
          : new RemoteError(
              "changed_during_transfer",
              `${path} changed while ` +
                `it was copied (${this.listed.algorithm} of the bytes read differs from the listed one)`,
              { path },
            ),
      );
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
        cb(
          isRemoteError(err, "not_found")
            ? new RemoteError("changed_during_transfer", `${path} disappeared while it was copied`, { path })
            : (err as Error),
        );
      },
    );
  }
}

export interface TransferResult {
  written: RemoteEntry;
  sha256: string;
  bytes: number;
}

/** Largest file fetched with one `readWhole` request instead of a stream (bounds the memory per transfer). */
export const WHOLE_READ_MAX_BYTES = 1 << 20;

/** A Readable of one buffer, without the async-iterator machinery of `Readable.from`. */
function bufferStream(data: Buffer): Readable {
  return new Readable({
    read() {
      if (data.length > 0) this.push(data);
      this.push(null);
    },
  });
}

/**
 * The whole content of a small source file in one request, checked against the listing, or
 * undefined when the source cannot read whole files (or the file grew past the limit).
 */
async function readWholeChecked(from: Remote, source: RemoteEntry): Promise<Buffer | undefined> {
  if (!from.readWhole || source.size > WHOLE_READ_MAX_BYTES) return undefined;
  // Asking for the listed size (at least 64 KiB, one SMB credit) rather than the limit keeps each
  // request's credit charge and the server's read buffer small; a file that grew past it is then
  // streamed, and the stream's checks report the change.
  const whole = await from.readWhole(source.path, Math.min(WHOLE_READ_MAX_BYTES, Math.max(source.size, 64 << 10)));
  if (!whole.data) return undefined;
  const path = source.path;
  const changed = (why: string) =>
    new RemoteError("changed_during_transfer", `${path} changed while it was copied (${why})`, { path });
  if (whole.entry && (whole.entry.fingerprint !== source.fingerprint || whole.entry.size !== source.size))
    throw changed("not as listed when opened");
  if (whole.data.length !== source.size) throw changed(`${whole.data.length} bytes read, ${source.size} expected`);
  const listed = listedHashCheck(from, source);
  if (listed) {
    listed.hasher.update(whole.data);
    if (listed.hasher.digest().toLowerCase() !== listed.listed.toLowerCase())
      throw changed(`${listed.algorithm} of the bytes read differs from the listed one`);
  } else if (!whole.entry) {
    let now: RemoteEntry;
    try {
      now = await from.stat(path);
    } catch (err) {
      throw isRemoteError(err, "not_found") ? changed("it disappeared") : err;
    }
    if (now.fingerprint !== source.fingerprint || now.size !== source.size)
      throw changed("not as listed after the read");
  }
  return whole.data;
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
  const writeOptions = {
    size: source.size,
    mtimeMs: source.mtimeMs,
    ifMatchFingerprint: options.ifMatchFingerprint,
    owner: source.owner,
  };
  const destinationHashes = to.capabilities.hashes.includes("sha256");
  const cancelled = () => new RemoteError("other", "sync cancelled", { path: source.path });

  const data = await readWholeChecked(from, source);
  if (data) {
    // Checked in full before the destination sees a byte: no verifier stage, no pipeline.
    if (options.signal.aborted) throw cancelled();
    const input = bufferStream(data);
    const abort = () => input.destroy(cancelled());
    options.signal.addEventListener("abort", abort, { once: true });
    try {
      options.onBytes(data.length);
      const written = await to.write(toPath, input, writeOptions);
      const sha256 =
        destinationHashes && written.hashes?.sha256
          ? written.hashes.sha256
          : createHash("sha256").update(data).digest("hex");
      return { written, sha256, bytes: data.length };
    } finally {
      options.signal.removeEventListener("abort", abort);
      if (!input.destroyed) input.destroy();
    }
  }

  const input = await from.read(source.path);
  // A content-addressed source names the hash of what it delivers: nothing to hash here, and a
  // hash other than the listed one means the file changed since it was listed.
  const known = knowsContent(input) ? input.contentSha256 : undefined;
  if (known !== undefined && source.hashes?.sha256 !== undefined && known !== source.hashes.sha256) {
    input.destroy();
    throw new RemoteError(
      "changed_during_transfer",
      `${source.path} changed while it was copied (not as listed when opened)`,
      { path: source.path },
    );
  }
  const verifier = new Verifier(
    source,
    () => from.stat(source.path),
    options.onBytes,
    listedHashCheck(from, source),
    !destinationHashes && known === undefined,
  );
  verifier.on("error", () => {});
  const abort = () => verifier.destroy(cancelled());
  options.signal.addEventListener("abort", abort, { once: true });
  pipeline(input, verifier, () => {});
  try {
    if (options.signal.aborted) abort();
    // The verifier hashes each chunk synchronously and passes the same object on, so a chunk the
    // destination is done with is done with here too: the source may reuse its memory.
    const recycling: WriteOptions = recyclesChunks(input)
      ? { ...writeOptions, recycleChunk: (chunk) => input.releaseChunk(chunk) }
      : writeOptions;
    const written = await to.write(toPath, verifier, recycling);
    const sha256 = verifier.hash?.digest("hex") ?? known ?? written.hashes?.sha256;
    if (sha256 === undefined)
      throw new RemoteError("other", `${toPath}: the destination reported no SHA-256 for what it wrote`, {
        path: toPath,
      });
    return { written, sha256, bytes: verifier.bytes };
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
