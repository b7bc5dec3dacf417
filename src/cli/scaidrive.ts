#!/usr/bin/env node
import { parseArgs } from "./cli-args.js";
import { serveCommand } from "./serve-command.js";
import { tokenCreateCommand } from "./token-command.js";
import { SERVER_ROLES } from "../server/config.js";

const USAGE = `usage:
  scaidrive serve [--role all|api|worker]              run the server (PORT, HOST, SCAIDRIVE_DATA_DIR, ...)
  scaidrive token create --user <id|email> [--name n]  create an API token (printed once)
options: --data-dir <dir> overrides SCAIDRIVE_DATA_DIR; --role overrides SCAIDRIVE_ROLE (default all)`;

async function main(argv: string[]): Promise<void> {
  const { positionals, flags } = parseArgs(argv);
  const [cmd, sub] = positionals;
  if (flags.has("data-dir") && cmd === "serve") process.env.SCAIDRIVE_DATA_DIR = flags.get("data-dir");
  if (flags.has("role") && cmd === "serve") {
    const role = flags.get("role")!;
    if (!(SERVER_ROLES as readonly string[]).includes(role))
      throw new Error(`--role must be one of ${SERVER_ROLES.join(", ")}, got "${role}"`);
    process.env.SCAIDRIVE_ROLE = role;
  }
  if (cmd === "serve") return serveCommand();
  if (cmd === "token" && sub === "create") return tokenCreateCommand(flags);
  process.stderr.write(`${USAGE}\n`);
  process.exitCode = cmd === undefined || cmd === "help" || flags.has("help") ? 0 : 2;
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`scaidrive: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
