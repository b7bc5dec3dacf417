import { randomBytes } from "node:crypto";
import type { Logger } from "pino";
import { buildApp, createLogger, type BuiltApp } from "../../src/server/app.js";
import { loadConfig, type ServerConfig } from "../../src/server/config.js";
import type { RouteModule } from "../../src/server/app-types.js";
import type { ServerSyncOptions } from "../../src/server/sync-engine-assembly.js";
import { makeTempDir } from "./temp-dir.js";
import { createPgDatabase, type PgDatabase } from "./postgres-database.js";
import { createApiClient, type ApiCall } from "./api-client.js";

export interface TestServer {
  /** http://127.0.0.1:<port> */
  url: string;
  adminToken: string;
  dataDir: string;
  config: ServerConfig;
  built: BuiltApp;
  /**
   * JSON API call with the admin token unless `token` is given (null sends no Authorization); non-JSON bodies come back
   * as text.
   */
  api: ApiCall;
  /** Closes the server; removes the data dir unless it was passed in or `keepData` is set. */
  close(opts?: { keepData?: boolean }): Promise<void>;
}

/**
 * The connector network policy of a test server, as the two variables would set it: `deny` is
 * SCAIDRIVE_CONNECTOR_DENY_NETWORKS, `allow` SCAIDRIVE_CONNECTOR_ALLOW_NETWORKS (an absent field
 * is the server's own default, so `{}` is the production default policy).
 */
export interface ConnectorNetworks {
  deny?: string;
  allow?: string;
}

/**
 * Starts the real server in-process on a random loopback port with a temp data dir (or `dataDir`,
 * to restart on existing data). Only core routes plus `plugins` are mounted unless
 * `withFeatureRoutes` (routes/index.ts featureRoutes) is set; `sync` configures the sync engine. `dialect: "postgres"`
 * puts the
 * database in a fresh PostgreSQL database (dropped on close). Logs are silent unless SCAIDRIVE_TEST_LOG is
 * set or a `logger` is given (e.g. one that captures lines to prove secrets never reach the log).
 * Connectors may connect anywhere (every test peer — smbd, the Graph emulator — listens on
 * loopback, which the production default refuses) unless `connectorNetworks` says otherwise.
 */
export async function startTestServer(
  opts: {
    dataDir?: string;
    config?: Partial<ServerConfig>;
    plugins?: RouteModule[];
    sync?: ServerSyncOptions;
    adminToken?: string;
    withFeatureRoutes?: boolean;
    dialect?: "sqlite" | "postgres";
    logger?: Logger;
    connectorNetworks?: ConnectorNetworks;
  } = {},
): Promise<TestServer> {
  const temp = opts.dataDir ? undefined : makeTempDir("server");
  const dataDir = opts.dataDir ?? temp!.path;
  const adminToken = opts.adminToken ?? `test-admin-${randomBytes(16).toString("hex")}`;
  const pgDatabase: PgDatabase | undefined = opts.dialect === "postgres" ? await createPgDatabase() : undefined;
  const networks = opts.connectorNetworks ?? { deny: "none" };
  const config: ServerConfig = {
    ...loadConfig({
      ...(networks.deny !== undefined ? { SCAIDRIVE_CONNECTOR_DENY_NETWORKS: networks.deny } : {}),
      ...(networks.allow !== undefined ? { SCAIDRIVE_CONNECTOR_ALLOW_NETWORKS: networks.allow } : {}),
    }),
    port: 0,
    host: "127.0.0.1",
    dataDir,
    adminToken,
    logLevel: process.env.SCAIDRIVE_TEST_LOG ?? "silent",
    ...(pgDatabase ? { databaseUrl: pgDatabase.url } : {}),
    ...opts.config,
  };
  let built: BuiltApp;
  try {
    built = await buildApp(config, {
      plugins: opts.plugins,
      sync: opts.sync,
      coreOnly: !opts.withFeatureRoutes,
      logger: opts.logger ?? createLogger(config.logLevel),
    });
    await built.app.listen({ port: 0, host: "127.0.0.1" }).catch(async (err: unknown) => {
      await built.close();
      throw err;
    });
  } catch (err) {
    if (pgDatabase) await pgDatabase.drop();
    temp?.remove();
    throw err;
  }
  const addr = built.app.server.address();
  const port = typeof addr === "object" && addr ? addr.port : 0;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    adminToken,
    dataDir,
    config,
    built,
    api: createApiClient(url, adminToken),
    async close(c = {}) {
      // Every test request has completed client-side; a keep-alive socket the server has not yet
      // marked idle would otherwise hold app.close() for Fastify's 72 s keep-alive timeout.
      built.app.server.closeAllConnections();
      await built.close();
      if (pgDatabase) await pgDatabase.drop();
      if (temp && !c.keepData) temp.remove();
    },
  };
}

/**
 * Another node of `first`'s installation, as a cluster runs them: the same PostgreSQL database, data dir, admin
 * token and vault key (`first` must use PostgreSQL; it drops the database and the data dir when it closes).
 */
export function startSecondNode(
  first: TestServer,
  opts: Omit<Parameters<typeof startTestServer>[0] & object, "dataDir" | "adminToken" | "dialect"> = {},
): Promise<TestServer> {
  if (!first.config.databaseUrl) throw new Error("a second node needs the first one on PostgreSQL");
  return startTestServer({
    ...opts,
    dataDir: first.dataDir,
    adminToken: first.adminToken,
    config: {
      ...opts.config,
      databaseUrl: first.config.databaseUrl,
      ...(first.config.secretKey !== undefined ? { secretKey: first.config.secretKey } : {}),
    },
  });
}
