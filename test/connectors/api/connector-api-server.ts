/**
 * The real server for connector API tests: buildApp + listen on a random loopback port with a
 * temp data dir, core routes plus the SMB connector routes, the sync engine with test options
 * (such as a short scheduler tick and a fast retry policy). Every log line is captured (level
 * trace, no redaction) so tests can prove secrets never reach the log. `dialect: "postgres"` puts
 * the database in a fresh PostgreSQL database (dropped on close).
 */
import pino from "pino";
import type { BuiltApp } from "../../../src/server/app.js";
import type { ServerConfig } from "../../../src/server/config.js";
import type { ServerSyncOptions, ServerSyncEngine } from "../../../src/server/sync-engine-assembly.js";
import { smbConnectorRoutes } from "../../../src/server/routes/smb-connector-routes.js";
import { startTestServer } from "../../harness/server.js";
import type { ApiCall } from "../../harness/api-client.js";
import { createUserWithToken, waitForJob } from "../../harness/api-helpers.js";

export interface ConnectorApiServer {
  url: string;
  adminToken: string;
  built: BuiltApp;
  runtime: ServerSyncEngine;
  /** Every log line written so far (JSON text). */
  logText(): string;
  api: ApiCall;
  /** A new non-admin user and a token for it. */
  user(name: string): Promise<{ id: string; token: string }>;
  /** Polls GET .../jobs/{id} until the job leaves queued/running (each poll is real HTTP). */
  waitJob(connectorId: string, jobId: string, token?: string): Promise<any>;
  close(): Promise<void>;
}

export const FAST_RETRY = { attempts: 2, baseDelayMs: 50, maxDelayMs: 100 };

export type Dialect = "sqlite" | "postgres";

export async function startConnectorApiServer(
  sync: ServerSyncOptions = {},
  opts: { dialect?: Dialect; config?: Partial<ServerConfig> } = {},
): Promise<ConnectorApiServer> {
  const lines: string[] = [];
  const logger = pino({ level: "trace" }, { write: (s: string) => void lines.push(s) });
  const server = await startTestServer({
    dialect: opts.dialect,
    logger,
    config: { logLevel: "trace", ...opts.config },
    sync: { retry: FAST_RETRY, progressFlushMs: 100, ...sync },
    plugins: [smbConnectorRoutes],
  });
  const { built, api } = server;
  return {
    url: server.url,
    adminToken: server.adminToken,
    built,
    runtime: built.context.engine,
    logText: () => lines.join(""),
    api,
    user: (name) => createUserWithToken(api, name),
    waitJob: (connectorId, jobId, token) => waitForJob(api, connectorId, jobId, { token }),
    async close() {
      // SyncService.stop() does not wait for a scheduler pass in flight (reported to the engine
      // owner); with a short test tick one may still be querying when the database closes.
      const service = built.context.engine.service;
      await service.stop();
      for (let i = 0; i < 100 && (service as unknown as { ticking: boolean }).ticking; i++)
        await new Promise((r) => setTimeout(r, 50));
      await server.close();
    },
  };
}
