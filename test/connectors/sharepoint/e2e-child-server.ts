/**
 * The SharePoint e2e server as a child process (for the SIGKILL test): configured by the
 * environment — `SP_E2E_DATA_DIR`, `SP_E2E_PORT`, `SP_E2E_ADMIN_TOKEN`, plus
 * `SCAIDRIVE_ENTRA_AUTHORITY_HOST`, `SCAIDRIVE_GRAPH_BASE_URL` and `NODE_EXTRA_CA_CERTS` (the
 * emulator's CA). Prints `READY <url>` on stdout once listening; logs go to stderr. Exits on
 * SIGTERM; `SP_E2E_MAX_SECONDS` (default 300) bounds its life so it never outlives a test.
 */
import pino from "pino";
import { startSharePointServer } from "./e2e-kit.js";

const env = (k: string): string => {
  const v = process.env[k];
  if (!v) throw new Error(`${k} is not set`);
  return v;
};

const logger = pino({ level: "info" }, pino.destination(2));
const { built, url } = await startSharePointServer({
  dataDir: env("SP_E2E_DATA_DIR"),
  adminToken: env("SP_E2E_ADMIN_TOKEN"),
  port: Number(env("SP_E2E_PORT")),
  logger,
  schedulerTickMs: 500,
});
process.stdout.write(`READY ${url}\n`);
const stop = async () => {
  built.app.server.closeAllConnections();
  await built.close();
  process.exit(0);
};
process.on("SIGTERM", () => void stop());
setTimeout(() => void stop(), Number(process.env.SP_E2E_MAX_SECONDS ?? 300) * 1000).unref();
