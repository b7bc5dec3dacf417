import type { Readable } from "node:stream";
import { GraphError } from "./graph-error.js";

const LIMIT = 1024 * 1024;

/** Reads a small JSON request body; {} for an empty body, 400 `invalidRequest` for bad JSON or > 1 MiB. */
export async function readJsonBody(body: Readable | undefined): Promise<Record<string, unknown>> {
  if (!body) return {};
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += (chunk as Buffer).length;
    if (size > LIMIT) throw new GraphError(400, "invalidRequest", "The request body is too large.");
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString("utf8").trim();
  if (!text) return {};
  try {
    const parsed = JSON.parse(text) as unknown;
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) throw new Error("not an object");
    return parsed as Record<string, unknown>;
  } catch {
    throw new GraphError(400, "invalidRequest", "Invalid request: the body is not a JSON object.");
  }
}
