import { buildApp } from "../server/app.js";
import { loadConfig } from "../server/config.js";
import { tuneHeap } from "./heap-tuning.js";

/**
 * `scaidrive serve`: runs the server until SIGINT/SIGTERM, then closes it cleanly. A generated
 * bootstrap admin token and password are printed once to stdout (never logged).
 */
export async function serveCommand(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const config = loadConfig(env);
  tuneHeap(env);
  // Everything the server creates (database, WAL, blobs, temp files, key) is its own business.
  process.umask(0o077);
  const built = await buildApp(config);
  const { admin, generatedToken, generatedPassword } = built.bootstrap;
  if (generatedToken || generatedPassword) {
    process.stdout.write(
      `\nScaiDrive admin user ${admin.email} (${admin.id}) created.\n` +
        (generatedToken ? `Admin token (shown once, store it now): ${generatedToken}\n` : "") +
        (generatedPassword ? `Admin password (shown once, store it now): ${generatedPassword}\n` : "") +
        "\n",
    );
  }
  const address = await built.app.listen({ port: config.port, host: config.host });
  built.context.logger.info(
    {
      address,
      node_id: built.context.nodeId,
      role: config.role,
      data_dir: config.dataDir,
      database: built.context.dialect,
      connector_networks: config.connectorNetwork.describe(),
    },
    "ScaiDrive listening",
  );
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    built.context.logger.info({ signal }, "shutting down");
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    built.close().then(
      () => process.exit(0),
      (err: unknown) => {
        built.context.logger.error({ err }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
}
