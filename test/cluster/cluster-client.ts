/**
 * File operations the cluster tests and bench run against a ScaiDrive base URL (nginx or one node
 * directly): uploads (buffered or streamed from a generator, never held whole), downloads hashed
 * as they arrive, deletes, and a bounded worker pool. Failures throw with the status and body, so
 * a broken step names itself.
 */
import { createHash, randomBytes } from "node:crypto";
import type { Cluster } from "../harness/cluster.js";
import type { ScaidriveProcess } from "../harness/scaidrive-process.js";

/**
 * The cluster behind nginx in the shape e2e-world's connector helpers take: they only use `api`,
 * `url` and `adminToken`.
 */
export function throughNginx(cluster: Cluster): ScaidriveProcess {
  return { api: cluster.api, url: cluster.url, adminToken: cluster.adminToken } as ScaidriveProcess;
}

export interface Target {
  url: string;
  token: string;
  shareId: string;
}

export function sha256(data: Uint8Array | string): string {
  return createHash("sha256").update(data).digest("hex");
}

const contentUrl = (t: Target, path: string) =>
  `${t.url}/api/v1/shares/${t.shareId}/content?path=${encodeURIComponent(path)}`;

/** PUT of `data` at `path`; returns the node (200 or 201). */
export async function put(t: Target, path: string, data: Uint8Array): Promise<any> {
  const res = await fetch(contentUrl(t, path), {
    method: "PUT",
    headers: { authorization: `Bearer ${t.token}`, "content-type": "application/octet-stream" },
    body: data as BodyInit,
  });
  const text = await res.text();
  if (res.status !== 200 && res.status !== 201) throw new Error(`PUT ${path}: ${res.status} ${text}`);
  return JSON.parse(text);
}

/**
 * A streamed PUT of `mib` MiB made chunk by chunk while the request is sent (no Content-Length:
 * chunked); `chunk(i)` gives the i-th MiB (default: fresh random bytes). Returns the SHA-256 of what
 * was sent and the node.
 */
export async function putStream(
  t: Target,
  path: string,
  mib: number,
  chunk: (i: number) => Buffer = () => randomBytes(1024 * 1024),
): Promise<{ sha256: string; node: any }> {
  const hash = createHash("sha256");
  let sent = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent === mib) return controller.close();
      const next = chunk(sent++);
      hash.update(next);
      controller.enqueue(next);
    },
  });
  const res = await fetch(contentUrl(t, path), {
    method: "PUT",
    headers: { authorization: `Bearer ${t.token}`, "content-type": "application/octet-stream" },
    body,
    duplex: "half",
  } as RequestInit);
  const text = await res.text();
  if (res.status !== 200 && res.status !== 201) throw new Error(`PUT ${path}: ${res.status} ${text}`);
  return { sha256: hash.digest("hex"), node: JSON.parse(text) };
}

/** GET of `path`, hashed as it streams in: the status and, for 200, the SHA-256 and size. */
export async function fetchSha(
  t: Target,
  path: string,
): Promise<{ status: number; sha256?: string; size?: number; text?: string }> {
  const res = await fetch(contentUrl(t, path), { headers: { authorization: `Bearer ${t.token}` } });
  if (res.status !== 200) return { status: res.status, text: await res.text() };
  const hash = createHash("sha256");
  let size = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    hash.update(chunk);
    size += chunk.byteLength;
  }
  return { status: 200, sha256: hash.digest("hex"), size };
}

/** DELETE of the file or folder at `path` (204 or 200). */
export async function del(t: Target, path: string): Promise<void> {
  const res = await fetch(`${t.url}/api/v1/shares/${t.shareId}/files?path=${encodeURIComponent(path)}`, {
    method: "DELETE",
    headers: { authorization: `Bearer ${t.token}` },
  });
  const text = await res.text();
  if (res.status !== 204 && res.status !== 200) throw new Error(`DELETE ${path}: ${res.status} ${text}`);
}

/** Every file path below `path` (recursive, sorted), following next_cursor. */
export async function listFiles(t: Target, path = "/"): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string) => {
    let cursor: string | undefined;
    do {
      const q = `path=${encodeURIComponent(dir)}&limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
      const res = await fetch(`${t.url}/api/v1/shares/${t.shareId}/files?${q}`, {
        headers: { authorization: `Bearer ${t.token}` },
      });
      const body = (await res.json()) as any;
      if (res.status !== 200) throw new Error(`list ${dir}: ${res.status} ${JSON.stringify(body)}`);
      for (const n of body.items) {
        const child = dir === "/" ? `/${n.name}` : `${dir}/${n.name}`;
        if (n.type === "folder") await walk(child);
        else out.push(child);
      }
      cursor = body.next_cursor ?? undefined;
    } while (cursor);
  };
  await walk(path);
  return out.sort();
}

/** Runs `fn` over `items` with at most `concurrency` at once; rejects with the first failure once all settled. */
export async function pool<T>(concurrency: number, items: readonly T[], fn: (item: T, i: number) => Promise<void>) {
  let next = 0;
  let failure: unknown;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      try {
        await fn(items[i]!, i);
      } catch (err) {
        failure ??= err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  if (failure) throw failure;
}
