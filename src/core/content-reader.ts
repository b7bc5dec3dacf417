/**
 * How the HTTP layer sends stored content without copying it: `NodeService.openBlobContent`
 * hands out the blob store's reader for content kept in a file, and a sender reads it into the
 * store's pooled chunks, giving each back once the socket has taken it. Core names these here so
 * the HTTP layer depends on core, not on the store's modules.
 */
export type { BlobReader as ContentReader } from "../store/blobs/blob-reader.js";
export { CHUNK_BYTES, giveBackChunk, takeChunk } from "../store/blobs/chunk-pool.js";
