/**
 * SharePoint's property promotion, emulated: for some file types (Office documents, PDF)
 * SharePoint rewrites the uploaded file to embed its column values, so the stored content — and
 * with it size, quickXorHash, cTag and eTag — differs from the bytes the client sent. Enabled per
 * extension through `POST /_emulator/rewrite-on-upload` (off by default). Only Graph uploads
 * (simple PUT and upload sessions) are rewritten, never the control API's own writes.
 */
import { Readable } from "node:stream";
import type { Blob, BlobStore } from "./blob-store.js";

/** The extensions (lower case, with the dot) whose uploads are rewritten; empty = off. */
export interface RewriteOnUpload {
  extensions: string[];
}

/**
 * The suffix appended to rewritten content: a few bytes that name the rewrite, like SharePoint's embedded properties.
 */
export const PROMOTED_PROPERTIES_SUFFIX = "\n<!-- sharepoint promoted properties -->\n";

/** `".DOCX"`, `"docx"` → `".docx"`. @throws Error on an empty or non-string value. */
export function normalizeExtension(ext: unknown): string {
  if (typeof ext !== "string" || ext.replace(/^\./, "") === "")
    throw new Error(`not an extension: ${JSON.stringify(ext)}`);
  return `.${ext.replace(/^\./, "").toLowerCase()}`;
}

export function rewritesName(settings: RewriteOnUpload, name: string): boolean {
  const lower = name.toLowerCase();
  return settings.extensions.some((ext) => lower.endsWith(ext));
}

/**
 * The blob SharePoint would keep for an upload of `blob` named `name`: `blob` itself when the
 * extension is not rewritten, else a new blob of the uploaded bytes plus
 * {@link PROMOTED_PROPERTIES_SUFFIX}, streamed (never buffered whole).
 */
export async function promoteProperties(
  blobs: BlobStore,
  settings: RewriteOnUpload,
  name: string,
  blob: Blob,
): Promise<Blob> {
  if (!rewritesName(settings, name)) return blob;
  async function* rewritten(): AsyncGenerator<Buffer> {
    for await (const chunk of blobs.read(blob)) yield chunk as Buffer;
    yield Buffer.from(PROMOTED_PROPERTIES_SUFFIX);
  }
  return blobs.fromStream(Readable.from(rewritten()));
}
