import { join } from "node:path";
import type { Kysely } from "kysely";
import type { Logger } from "pino";
import { openDatabase, type DialectName } from "../store/db/database.js";
import type { Database } from "../store/db/schema.js";
import { createFsBlobStore, type BlobStore } from "../store/blobs/fs-blob-store.js";
import { openSecretsVault, type SecretsVault } from "../store/secrets/secrets-vault.js";
import { AclService } from "../core/acl-service.js";
import { PrincipalService } from "../core/principal-service.js";
import { ShareService } from "../core/share-service.js";
import { NodeService } from "../core/node-service.js";
import { BlobCollector } from "../core/blob-collector.js";
import type { ServerConfig } from "./config.js";

/**
 * Everything a route or feature module needs: the store handles and the core services. Built once
 * per process by {@link createContext}; `close()` releases them in reverse order.
 */
export interface AppContext {
  config: ServerConfig;
  db: Kysely<Database>;
  dialect: DialectName;
  blobs: BlobStore;
  vault: SecretsVault;
  logger: Logger;
  acl: AclService;
  principals: PrincipalService;
  shares: ShareService;
  nodes: NodeService;
  blobCollector: BlobCollector;
  close(): Promise<void>;
}

/** Opens the database (running migrations), blob store and vault under config.dataDir. */
export async function createContext(config: ServerConfig, logger: Logger): Promise<AppContext> {
  const handle = await openDatabase({
    dataDir: config.dataDir,
    databaseUrl: config.databaseUrl,
    onConnectionError: (err) => logger.warn({ err: err.message }, "database connection dropped; reconnecting on next query"),
  });
  try {
    const blobs = createFsBlobStore(join(config.dataDir, "blobs"));
    const vault = openSecretsVault({ dataDir: config.dataDir, secretKey: config.secretKey });
    const blobCollector = new BlobCollector(handle.db, blobs, logger.child({ component: "blob-gc" }));
    const onContentRemoved = () => blobCollector.request();
    const acl = new AclService(handle.db);
    const principals = new PrincipalService(handle.db);
    const shares = new ShareService(handle.db, acl, onContentRemoved);
    const nodes = new NodeService(handle.db, blobs, acl, logger.child({ component: "nodes" }), {
      maxUploadBytes: config.maxUploadBytes,
      onContentRemoved,
      groupCommit: handle.dialect === "sqlite",
    });
    return {
      config, db: handle.db, dialect: handle.dialect, blobs, vault, logger, acl, principals, shares, nodes, blobCollector,
      async close() {
        await blobCollector.close();
        await handle.close();
      },
    };
  } catch (err) {
    await handle.close();
    throw err;
  }
}
