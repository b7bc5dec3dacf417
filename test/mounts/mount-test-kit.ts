/**
 * Shared setup of the mount and push/pull tests: real Samba (test harness), the real server over
 * HTTP with the sync engine, the SMB connector routes and the mount routes, and small helpers to
 * put and read files directly in the Samba share directory.
 */
import { randomBytes } from "node:crypto";
import { chownSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { BuiltApp } from "../../src/server/app.js";
import { smbConnectorRoutes } from "../../src/server/routes/smb-connector-routes.js";
import { mountRoutes } from "../../src/server/routes/mount-routes.js";
import { startTestServer } from "../harness/server.js";
import { createApiClient, type ApiCall } from "../harness/api-client.js";
import { createUserWithToken, waitForJob } from "../harness/api-helpers.js";
import type { RouteModule } from "../../src/server/app-types.js";
import type { ConnectorDefinition } from "../../src/connectors/connector-definition.js";
import type { SambaInstance } from "../harness/samba.js";

export interface MountKit {
  url: string;
  built: BuiltApp;
  /** The admin token unless `token` is given; non-JSON bodies come back as Buffers. */
  api: ApiCall;
  user(name: string): Promise<{ id: string; token: string }>;
  /** Polls `GET /api/v1/{type}-connectors/{id}/jobs/{job}` until the job finished. */
  waitJob(connectorId: string, jobId: string, type?: string): Promise<any>;
  close(): Promise<void>;
}

/**
 * `definitions` replaces the registered connector types (default: every one of connectors/index.ts)
 * and `connectorRoutes` the connector route modules (default: the SMB routes).
 */
export async function startMountServer(
  o: {
    definitions?: readonly ConnectorDefinition[];
    connectorRoutes?: RouteModule[];
    dialect?: "sqlite" | "postgres";
  } = {},
): Promise<MountKit> {
  const server = await startTestServer({
    dialect: o.dialect,
    sync: { retry: { attempts: 1, baseDelayMs: 10, maxDelayMs: 10 }, progressFlushMs: 100, definitions: o.definitions },
    plugins: [...(o.connectorRoutes ?? [smbConnectorRoutes]), mountRoutes],
  });
  const api = createApiClient(server.url, server.adminToken, { bodies: "bytes" });
  return {
    url: server.url,
    built: server.built,
    api,
    user: (name) => createUserWithToken(api, name),
    waitJob: (connectorId, jobId, type = "smb") => waitForJob(api, connectorId, jobId, { type }),
    close: () => server.close(),
  };
}

/** Writes a file into the Samba share directory as the Samba user would own it. */
export function putOnSmb(samba: SambaInstance, share: string, rel: string, data: Buffer | string): string {
  const full = join(samba.shares[share]!, rel);
  const parts = rel.split("/").slice(0, -1);
  let dir = samba.shares[share]!;
  for (const p of parts) {
    dir = join(dir, p);
    mkdirSync(dir, { recursive: true });
    chownSync(dir, samba.uid, samba.gid);
  }
  writeFileSync(full, data);
  chownSync(full, samba.uid, samba.gid);
  return full;
}

/** Creates an SMB connector through the API and returns its id. */
export async function createSmbConnector(
  kit: MountKit,
  samba: SambaInstance,
  o: { share: string; shareId: string; basePath?: string; targetPath: string },
): Promise<string> {
  const r = await kit.api("POST", "/api/v1/smb-connectors", {
    json: {
      name: `conn-${randomBytes(3).toString("hex")}`,
      server_host: samba.host,
      server_port: samba.port,
      share_name: o.share,
      base_path: o.basePath ?? "",
      domain: samba.domain,
      username: samba.username,
      password: samba.password,
      target_share_id: o.shareId,
      target_path: o.targetPath,
      sync_interval_minutes: 0,
    },
  });
  if (r.status !== 201) throw new Error(`connector: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.id;
}
