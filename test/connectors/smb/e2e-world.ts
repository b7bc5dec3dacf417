/**
 * The world of the SMB end-to-end scenarios: a real Samba instance whose share lives in a
 * directory this module owns (so smbd can be stopped and restarted on the same data), the real
 * server as a child process, and helpers that act on each side the way a user would — HTTP for
 * ScaiDrive, the share directory on disk (what another SMB client causes) for SMB.
 *
 * Job polling is bounded (default 120 s) and never asserts on time.
 */
import {
  chownSync,
  mkdirSync,
  readdirSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
  renameSync,
  chmodSync,
} from "node:fs";
import { createHash } from "node:crypto";
import { dirname, join } from "node:path";
import { startSamba, type SambaInstance, type StartSambaOptions } from "../../harness/samba.js";
import { makeTempDir, type TempDir } from "../../harness/temp-dir.js";
import type { ScaidriveProcess } from "../../harness/scaidrive-process.js";

export const BASE = "/api/v1/smb-connectors";

export interface SmbSide {
  samba: SambaInstance;
  /** The share's directory on disk (outlives smbd restarts). */
  dir: string;
  /** Stops smbd (keeps `dir`). */
  stop(): Promise<void>;
  /** Starts a new smbd on the same `dir` (new address/port: PATCH the connector). */
  restart(): Promise<SambaInstance>;
  /** Stops smbd and removes `dir`. */
  close(): Promise<void>;
}

/** Samba serving share `share` from a directory outside the harness's own temp tree. */
export async function startSmbSide(
  opts: { share?: Record<string, string>; global?: Record<string, string> } = {},
): Promise<SmbSide> {
  const temp: TempDir = makeTempDir("e2e-share");
  chmodSync(temp.path, 0o755);
  const dir = join(temp.path, "share");
  mkdirSync(dir);
  const samOpts = (): StartSambaOptions => ({ shares: { share: { ...opts.share, path: dir } }, global: opts.global });
  const side: SmbSide = {
    samba: await startSamba(samOpts()),
    dir,
    async stop() {
      await side.samba.stop();
    },
    async restart() {
      side.samba = await startSamba(samOpts());
      return side.samba;
    },
    async close() {
      await side.samba.stop();
      temp.remove();
    },
  };
  chownSync(dir, side.samba.uid, side.samba.gid);
  chmodSync(dir, 0o777);
  return side;
}

/** Writes `content` at `rel` in the share dir (parents created, owned by the Samba user), optional mtime. */
export function smbWrite(side: SmbSide, rel: string, content: string | Buffer, mtime?: Date): void {
  const path = join(side.dir, rel);
  smbMkdir(side, dirname(rel));
  writeFileSync(path, content);
  chownSync(path, side.samba.uid, side.samba.gid);
  if (mtime) utimesSync(path, mtime, mtime);
}

export function smbMkdir(side: SmbSide, rel: string): void {
  if (rel === "." || rel === "") return;
  const parts = rel.split("/");
  let cur = side.dir;
  for (const p of parts) {
    cur = join(cur, p);
    try {
      mkdirSync(cur);
      chownSync(cur, side.samba.uid, side.samba.gid);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
  }
}

export function smbRename(side: SmbSide, from: string, to: string): void {
  renameSync(join(side.dir, from), join(side.dir, to));
}

export function smbDelete(side: SmbSide, rel: string): void {
  rmSync(join(side.dir, rel), { recursive: true, force: true });
}

export function smbExists(side: SmbSide, rel: string): boolean {
  try {
    statSync(join(side.dir, rel));
    return true;
  } catch {
    return false;
  }
}

/** Every file below the share dir, relative, sorted. */
export function smbFiles(side: SmbSide, rel = ""): string[] {
  const out: string[] = [];
  const walk = (r: string) => {
    for (const e of readdirSync(join(side.dir, r), { withFileTypes: true })) {
      const child = r ? `${r}/${e.name}` : e.name;
      if (e.isDirectory()) walk(child);
      else out.push(child);
    }
  };
  walk(rel);
  return out.sort();
}

export function sha256(data: string | Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

/** A ScaiDrive share plus helpers for paths inside it. */
export class ScaiSide {
  constructor(
    readonly server: ScaidriveProcess,
    readonly shareId: string,
    readonly root: string,
  ) {}

  static async create(server: ScaidriveProcess, name: string, root = "/From Fileserver"): Promise<ScaiSide> {
    const r = await server.api("POST", "/api/v1/shares", { json: { name } });
    if (r.status !== 201) throw new Error(`share: ${r.status} ${JSON.stringify(r.body)}`);
    return new ScaiSide(server, r.body.id, root);
  }

  path(rel: string): string {
    return rel ? `${this.root}/${rel}` : this.root || "/";
  }

  private q(rel: string): string {
    return `path=${encodeURIComponent(this.path(rel))}`;
  }

  async put(rel: string, content: string | Buffer): Promise<any> {
    const r = await this.server.api("PUT", `/api/v1/shares/${this.shareId}/content?${this.q(rel)}`, { raw: content });
    if (r.status !== 200 && r.status !== 201) throw new Error(`put ${rel}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  }

  /** Content as text, or undefined for 404. */
  async get(rel: string): Promise<string | undefined> {
    const res = await fetch(`${this.server.url}/api/v1/shares/${this.shareId}/content?${this.q(rel)}`, {
      headers: { authorization: `Bearer ${this.server.adminToken}` },
    });
    const text = await res.text();
    if (res.status === 404) return undefined;
    if (res.status !== 200) throw new Error(`get ${rel}: ${res.status} ${text}`);
    return text;
  }

  /** The node, or undefined for 404. */
  async stat(rel: string): Promise<any> {
    const r = await this.server.api("GET", `/api/v1/shares/${this.shareId}/files/stat?${this.q(rel)}`);
    if (r.status === 404) return undefined;
    if (r.status !== 200) throw new Error(`stat ${rel}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  }

  async del(rel: string): Promise<void> {
    const r = await this.server.api("DELETE", `/api/v1/shares/${this.shareId}/files?${this.q(rel)}`);
    if (r.status !== 204 && r.status !== 200) throw new Error(`delete ${rel}: ${r.status} ${JSON.stringify(r.body)}`);
  }

  async move(from: string, to: string): Promise<any> {
    const r = await this.server.api("POST", `/api/v1/shares/${this.shareId}/move`, {
      json: { from: this.path(from), to: this.path(to) },
    });
    if (r.status !== 200 && r.status !== 201) throw new Error(`move ${from}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  }

  async versions(fileId: string): Promise<any[]> {
    const r = await this.server.api("GET", `/api/v1/files/${fileId}/versions`);
    if (r.status !== 200) throw new Error(`versions: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body.versions;
  }

  /** Every file below `rel` (relative to the root), sorted; follows next_cursor. */
  async files(rel = ""): Promise<string[]> {
    const out: string[] = [];
    const walk = async (r: string) => {
      let cursor: string | undefined;
      do {
        const res = await this.server.api(
          "GET",
          `/api/v1/shares/${this.shareId}/files?${this.q(r)}&limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
        );
        if (res.status !== 200) throw new Error(`list ${r}: ${res.status} ${JSON.stringify(res.body)}`);
        for (const n of res.body.items) {
          const child = r ? `${r}/${n.name}` : n.name;
          if (n.type === "folder") await walk(child);
          else out.push(child);
        }
        cursor = res.body.next_cursor ?? undefined;
      } while (cursor);
    };
    await walk(rel);
    return out.sort();
  }
}

export function connectorBody(
  samba: SambaInstance,
  shareId: string,
  over: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    name: "E2E Fileserver",
    server_host: samba.host,
    server_port: samba.port,
    share_name: "share",
    domain: samba.domain,
    username: samba.username,
    password: samba.password,
    target_share_id: shareId,
    target_path: "/From Fileserver",
    sync_direction: "bidirectional",
    conflict_resolution: "LAST_WRITER_WINS",
    sync_interval_minutes: 0,
    ...over,
  };
}

export async function createConnector(server: ScaidriveProcess, body: Record<string, unknown>): Promise<string> {
  const r = await server.api("POST", BASE, { json: body });
  if (r.status !== 201) throw new Error(`connector: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.id;
}

export async function patchConnector(
  server: ScaidriveProcess,
  id: string,
  body: Record<string, unknown>,
): Promise<void> {
  const r = await server.api("PATCH", `${BASE}/${id}`, { json: body });
  if (r.status !== 200) throw new Error(`patch: ${r.status} ${JSON.stringify(r.body)}`);
}

/**
 * POST .../sync (query e.g. "force=true"); a 409 SYNC_ALREADY_RUNNING (a job a killed process
 * left running, until the engine marks it orphaned) is retried within the bound. Returns the
 * 202 job, or for dry runs the 200 body with `plan`.
 */
export async function requestSync(server: ScaidriveProcess, id: string, query = "", boundMs = 120_000): Promise<any> {
  const until = Date.now() + boundMs;
  for (;;) {
    const r = await server.api("POST", `${BASE}/${id}/sync${query ? `?${query}` : ""}`);
    if (r.status === 202 || r.status === 200) return r.body;
    if (!(r.status === 409 && r.body?.error?.code === "SYNC_ALREADY_RUNNING") || Date.now() > until)
      throw new Error(`sync: ${r.status} ${JSON.stringify(r.body)}`);
    await new Promise((res) => setTimeout(res, 500));
  }
}

/** Polls GET .../jobs/{job} until it leaves queued/running (bounded). */
export async function waitJob(server: ScaidriveProcess, id: string, jobId: string, boundMs = 120_000): Promise<any> {
  const until = Date.now() + boundMs;
  for (;;) {
    const r = await server.api("GET", `${BASE}/${id}/jobs/${jobId}?limit=1000`);
    if (r.status !== 200) throw new Error(`job poll: ${r.status} ${JSON.stringify(r.body)}`);
    if (r.body.status !== "queued" && r.body.status !== "running") return r.body;
    if (Date.now() > until) throw new Error(`job ${jobId} still ${r.body.status} after ${boundMs} ms`);
    await new Promise((res) => setTimeout(res, 200));
  }
}

export async function syncAndWait(server: ScaidriveProcess, id: string, query = "", boundMs = 120_000): Promise<any> {
  const job = await requestSync(server, id, query, boundMs);
  return waitJob(server, id, job.id, boundMs);
}

/** A completed job with no per-file errors, else an Error with the job (and its error entries). */
export function expectClean(job: any): any {
  if (job.status !== "completed" || job.error_count !== 0) {
    const errors = (job.entries ?? []).filter((e: any) => e.result === "error");
    throw new Error(`job not clean: ${JSON.stringify({ ...job, entries: errors })}`);
  }
  return job;
}
