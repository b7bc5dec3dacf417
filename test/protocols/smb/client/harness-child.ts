/**
 * Child process for harness.test.ts: starts an instance (with Samba's RPC helpers running),
 * prints its config path, then either exits without calling stop() ("forget") or waits to be
 * killed by a signal ("wait"). The harness must clean up in both cases.
 */
import { startSamba } from "../../../harness/samba.js";

const mode = process.argv[2];
const s = await startSamba({ ownAddress: true });
const mk = await s.run("smbclient", [`//${s.host}/share`, "-c", "mkdir d"]);
const acl = await s.run("smbcacls", [`//${s.host}/share`, "d"]); // starts samba-dcerpcd + rpcd_lsad
if (mk.code !== 0 || acl.code !== 0) throw new Error(`tools failed: ${mk.stderr}${acl.stderr}`);
console.log(s.confPath);
if (mode === "wait") setTimeout(() => process.exit(3), 60_000);
