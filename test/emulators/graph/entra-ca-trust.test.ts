/**
 * The run's CA and server certificate, and the documented way another process trusts them:
 * `NODE_EXTRA_CA_CERTS=<ca_file>`, which covers the global fetch both MSAL 7 and the Graph
 * client use. The child processes are plain `node` (no tsx) and are killed by the timeout.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import tls from "node:tls";
import { promisify } from "node:util";
import { startGraphEmulator, type GraphEmulator } from "./emulator.js";

const run = promisify(execFile);

/** Runs an ES module snippet in a fresh `node`, from the repository root so packages resolve. */
async function node(
  script: string,
  env: Record<string, string>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ["--input-type=module", "-e", script], {
      cwd: process.cwd(),
      env: { PATH: process.env.PATH ?? "", ...env },
      timeout: 60_000,
      killSignal: "SIGKILL",
    });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof err.code === "number" ? err.code : 1, stdout: err.stdout ?? "", stderr: err.stderr ?? "" };
  }
}

describe("the emulator's TLS and how clients trust it", () => {
  let emu: GraphEmulator;
  before(async () => {
    emu = await startGraphEmulator();
  });
  after(async () => {
    await emu?.close();
  });

  test("the server certificate is signed by ca_file and names IP:127.0.0.1 and DNS:localhost", async () => {
    const port = Number(new URL(emu.info.authority_host).port);
    const ca = readFileSync(emu.info.ca_file, "utf8");
    const peer = await new Promise<tls.PeerCertificate>((resolve, reject) => {
      const socket = tls.connect({ host: "127.0.0.1", port, ca, servername: "localhost" }, () => {
        const cert = socket.getPeerCertificate();
        socket.end();
        resolve(cert);
      });
      socket.on("error", reject);
    });
    const names = (peer.subjectaltname ?? "").split(", ").sort();
    assert.deepEqual(names, ["DNS:localhost", "IP Address:127.0.0.1"]);
  });

  test("without the CA a process refuses the emulator; with NODE_EXTRA_CA_CERTS fetch and MSAL work", async () => {
    const { authority_host: host, tenant_id: tenant, client_id: clientId, client_secret: secret } = emu.info;
    const port = new URL(host).port;
    const probe = `
      try { const r = await fetch(${JSON.stringify(`${host}/${tenant}/v2.0/.well-known/openid-configuration`)}); console.log("status", r.status); }
      catch (e) { console.log("error", e.cause?.code ?? e.message); }`;
    const untrusted = await node(probe, {});
    assert.equal(untrusted.code, 0, untrusted.stderr);
    assert.match(
      untrusted.stdout,
      /^error (UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)/,
    );

    const trusted = await node(
      `${probe}
      const byName = await fetch("https://localhost:${port}/${tenant}/discovery/v2.0/keys");
      console.log("localhost", byName.status);
      const { ConfidentialClientApplication } = await import("@azure/msal-node");
      const cca = new ConfidentialClientApplication({ auth: {
        clientId: ${JSON.stringify(clientId)}, clientSecret: ${JSON.stringify(secret)},
        authority: ${JSON.stringify(`${host}/${tenant}`)}, knownAuthorities: [${JSON.stringify(new URL(host).host)}] } });
      const t = await cca.acquireTokenByClientCredential({ scopes: ["https://graph.microsoft.com/.default"] });
      console.log("token", t.accessToken.split(".").length);`,
      { NODE_EXTRA_CA_CERTS: emu.info.ca_file },
    );
    assert.equal(trusted.code, 0, trusted.stderr);
    assert.deepEqual(trusted.stdout.trim().split("\n"), ["status 200", "localhost 200", "token 3"]);
  });
});
