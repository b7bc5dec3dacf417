/**
 * A real ScaiDrive store (SQLite + blobs + vault in a temp dir) with core's services, for tests
 * that need the ScaiDrive side of a connector: shares are created for real and accessed through
 * {@link ScaidriveRemote} exactly as the engine does in the server.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { createContext, type AppContext } from "../../../src/server/app-context.js";
import { loadConfig } from "../../../src/server/config.js";
import { SYSTEM_ACTOR } from "../../../src/core/actor.js";
import { ScaidriveRemote } from "../../../src/sync/scaidrive-remote.js";

export interface ScaidriveFixture {
  ctx: AppContext;
  dataDir: string;
  serviceUserId: string;
  newShare(name?: string): Promise<string>;
  remoteFor(
    shareId: string,
    rootPath: string,
    extra?: { resolvePrincipal?: (p: string) => string | undefined },
  ): Promise<ScaidriveRemote>;
  close(): Promise<void>;
}

let counter = 0;

/** `databaseUrl`: PostgreSQL instead of the embedded SQLite database. */
export async function openScaidriveFixture(options: { databaseUrl?: string } = {}): Promise<ScaidriveFixture> {
  const dataDir = mkdtempSync(join(tmpdir(), "scaidrive-sync-store-"));
  const config = { ...loadConfig({}), dataDir, logLevel: "silent", databaseUrl: options.databaseUrl };
  const ctx = await createContext(config, pino({ level: "silent" }));
  const svc = await ctx.principals.insertUser({
    email: `svc-${process.pid}-${counter++}@example.test`,
    name: "connector service",
  });
  return {
    ctx,
    dataDir,
    serviceUserId: svc.id,
    async newShare(name = `share ${counter++}`) {
      return (await ctx.shares.create(SYSTEM_ACTOR, { name })).id;
    },
    async remoteFor(shareId, rootPath, extra = {}) {
      const remote = new ScaidriveRemote({
        nodes: ctx.nodes,
        shareId,
        rootPath,
        actor: SYSTEM_ACTOR,
        serviceUserId: svc.id,
        resolvePrincipal: extra.resolvePrincipal,
      });
      await remote.ensureRoot();
      return remote;
    },
    async close() {
      await ctx.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
