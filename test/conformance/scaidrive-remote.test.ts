import { runRemoteConformance } from "./remote-conformance.js";
import { openScaidriveFixture } from "../sync/helpers/scaidrive-fixture.js";

runRemoteConformance("scaidrive share subtree", async () => {
  const fx = await openScaidriveFixture();
  const shareId = await fx.newShare();
  const remote = await fx.remoteFor(shareId, "/Conformance root/ünï côdé");
  return { remote, cleanup: () => fx.close() };
});
