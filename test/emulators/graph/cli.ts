/**
 * `npm run emulator:graph -- --port P [--fixture FILE] [--hostname NAME]... [--public-origin URL]`:
 * serves the Graph + Entra emulator until SIGINT/SIGTERM. The first stdout line is the
 * {@link EmulatorInfo} JSON; clients trust the run's CA with `NODE_EXTRA_CA_CERTS=<ca_file>` (or
 * `curl --cacert <ca_file>`).
 */
import { parseArgs } from "node:util";
import { startGraphEmulator, type GraphEmulator } from "./emulator.js";

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "0" },
    fixture: { type: "string" },
    "token-lifetime": { type: "string" },
    hostname: { type: "string", multiple: true },
    "public-origin": { type: "string" },
  },
});
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  process.stderr.write(`invalid --port ${values.port}\n`);
  process.exit(2);
}
const publicOrigin = values["public-origin"];
if (publicOrigin !== undefined && !/^https:\/\/[^/?#]+\/?$/.test(publicOrigin)) {
  process.stderr.write(`invalid --public-origin ${publicOrigin} (want https://host[:port])\n`);
  process.exit(2);
}
let emulator: GraphEmulator;
try {
  emulator = await startGraphEmulator({
    port,
    fixture: values.fixture,
    tokenLifetimeSec: values["token-lifetime"] ? Number(values["token-lifetime"]) : undefined,
    hostnames: values.hostname,
    publicOrigin,
  });
} catch (err) {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(2);
}
process.stdout.write(JSON.stringify(emulator.info) + "\n");
let stopping = false;
const stop = (): void => {
  if (stopping) return;
  stopping = true;
  void emulator.close().then(() => process.exit(0));
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
