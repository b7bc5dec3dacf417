/**
 * Collects a readable stream into memory — for the small contents tests compare, never for large
 * files (those are hashed chunk by chunk). String chunks are taken as UTF-8.
 */
export async function readAll(stream: NodeJS.ReadableStream | AsyncIterable<unknown>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream as AsyncIterable<Buffer | Uint8Array | string>)
    chunks.push(typeof c === "string" ? Buffer.from(c, "utf8") : Buffer.from(c));
  return Buffer.concat(chunks);
}

/** The stream's bytes decoded as UTF-8. */
export async function readText(stream: NodeJS.ReadableStream | AsyncIterable<unknown>): Promise<string> {
  return (await readAll(stream)).toString("utf8");
}
