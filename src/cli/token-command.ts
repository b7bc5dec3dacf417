import { existsSync } from "node:fs";
import { join } from "node:path";
import { openDatabase } from "../store/db/database.js";
import { PrincipalService } from "../core/principal-service.js";
import { SYSTEM_ACTOR } from "../core/actor.js";
import { isAppError } from "../core/errors.js";
import { loadConfig } from "../server/config.js";

/**
 * `scaidrive token create --user <id|email> [--name n] [--data-dir d]`: creates a token directly
 * in the store (no server needed) and prints only the token on stdout, so scripts can capture it.
 * The store is the server's: `--data-dir`, else SCAIDRIVE_DATA_DIR, else ./data — or
 * SCAIDRIVE_DATABASE_URL. It never creates a database: a data dir without one is an error that
 * names the dir (a mistyped path must not leave an empty database behind).
 * @throws Error naming the data dir for a missing database or an unknown user.
 */
export async function tokenCreateCommand(
  flags: Map<string, string>,
  env: NodeJS.ProcessEnv = process.env,
): Promise<void> {
  const user = flags.get("user");
  if (!user || user === "true")
    throw new Error("usage: scaidrive token create --user <id|email> [--name <name>] [--data-dir <dir>]");
  const config = loadConfig({
    ...env,
    ...(flags.has("data-dir") ? { SCAIDRIVE_DATA_DIR: flags.get("data-dir") } : {}),
  });
  const where = config.databaseUrl
    ? "the PostgreSQL database of SCAIDRIVE_DATABASE_URL"
    : `the data dir ${config.dataDir}`;
  if (!config.databaseUrl && !existsSync(join(config.dataDir, "scaidrive.db"))) {
    throw new Error(
      `no ScaiDrive ` +
        `database in ${config.dataDir}: point --data-dir (or SCAIDRIVE_DATA_DIR) at the data dir the server uses`,
    );
  }
  const handle = await openDatabase({ dataDir: config.dataDir, databaseUrl: config.databaseUrl });
  try {
    const principals = new PrincipalService(handle.db);
    const u = await principals.findUser(user).catch((err: unknown) => {
      if (isAppError(err) && err.code === "NOT_FOUND") throw new Error(`user ${user} not found in ${where}`);
      throw err;
    });
    const t = await principals.createToken(SYSTEM_ACTOR, { user_id: u.id, name: flags.get("name") ?? "cli" });
    process.stdout.write(`${t.token}\n`);
    process.stderr.write(`token ${t.id} created for ${u.email} (${u.id}) in ${where}\n`);
  } finally {
    await handle.close();
  }
}
