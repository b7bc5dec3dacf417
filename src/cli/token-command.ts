import { openDatabase } from "../store/db/database.js";
import { PrincipalService } from "../core/principal-service.js";
import { SYSTEM_ACTOR } from "../core/actor.js";
import { loadConfig } from "../server/config.js";

/**
 * `scaidrive token create --user <id|email> [--name n] [--data-dir d]`: creates a token directly
 * in the store (no server needed) and prints only the token on stdout, so scripts can capture it.
 * @throws AppError NOT_FOUND for an unknown user.
 */
export async function tokenCreateCommand(flags: Map<string, string>, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const user = flags.get("user");
  if (!user || user === "true") throw new Error("usage: scaidrive token create --user <id|email> [--name <name>] [--data-dir <dir>]");
  const config = loadConfig({ ...env, ...(flags.has("data-dir") ? { SCAIDRIVE_DATA_DIR: flags.get("data-dir") } : {}) });
  const handle = await openDatabase({ dataDir: config.dataDir, databaseUrl: config.databaseUrl });
  try {
    const principals = new PrincipalService(handle.db);
    const u = await principals.findUser(user);
    const t = await principals.createToken(SYSTEM_ACTOR, { user_id: u.id, name: flags.get("name") ?? "cli" });
    process.stdout.write(`${t.token}\n`);
    process.stderr.write(`token ${t.id} created for ${u.email} (${u.id})\n`);
  } finally {
    await handle.close();
  }
}
