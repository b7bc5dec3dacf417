/**
 * The shared Remote conformance suite against the Graph emulator (HTTPS, real MSAL + Graph SDK),
 * rooted in a fresh folder of the library: once with the default upload path (upload sessions
 * for every non-empty file) and once with simple uploads for files up to 4 MiB.
 */
import { runRemoteConformance } from "../../conformance/remote-conformance.js";
import { GRAPH_SIMPLE_UPLOAD_LIMIT } from "../../../src/connectors/sharepoint/sharepoint-upload.js";
import { freshFolder, remoteFor, startEmulator } from "./sharepoint-test-kit.js";

runRemoteConformance("sharepoint (Graph emulator)", async () => {
  const emu = await startEmulator();
  const base = await freshFolder(emu, "conformance root");
  return { remote: remoteFor(emu, base), cleanup: () => emu.close() };
});

runRemoteConformance("sharepoint (Graph emulator, simple uploads ≤ 4 MiB)", async () => {
  const emu = await startEmulator();
  const base = await freshFolder(emu, "conformance root");
  return {
    remote: remoteFor(emu, base, { simpleUploadMaxBytes: GRAPH_SIMPLE_UPLOAD_LIMIT }),
    cleanup: () => emu.close(),
  };
});
