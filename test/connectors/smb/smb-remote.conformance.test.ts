/** The shared Remote conformance suite against a real smbd, rooted in a fresh base path of the share. */
import { chownSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { runRemoteConformance } from "../../conformance/remote-conformance.js";
import { startSamba } from "../../harness/samba.js";
import { createSmbRemote } from "../../../src/connectors/smb/smb-remote.js";
import { NetworkPolicy } from "../../../src/connectors/network-policy.js";

runRemoteConformance("smb (Samba)", async () => {
  const samba = await startSamba({ global: { "store dos attributes": "yes" } });
  const base = join(samba.shares.share, "conformance root");
  mkdirSync(base);
  chownSync(base, samba.uid, samba.gid);
  const { host, port, domain, username, password } = samba;
  const remote = createSmbRemote({
    host,
    port,
    domain,
    username,
    password,
    shareName: "share",
    basePath: "conformance root",
    network: NetworkPolicy.unrestricted(),
  });
  return { remote, cleanup: () => samba.stop() };
});
