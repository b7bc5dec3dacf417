/**
 * A SharePoint app's certificate sent as a PKCS#12 file (`azure_client_certificate_pfx`, base64) against the Graph
 * + Entra emulator: the emulator's generated app certificate exported by `openssl pkcs12 -export` with OpenSSL 3's
 * default encryption (AES-256, SHA-256 MAC) and with `-legacy` (3DES/RC2, SHA-1 MAC) is converted to the stored PEM,
 * its thumbprint, expiry and subject show in reads, and the connection test signs in with it. A wrong or missing
 * password, a file without the key, an unrelated certificate and an expired certificate are 400s naming what to fix.
 * The PFX is never stored nor read back.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import forge from "node-forge";
import { SP, expectStatus, newShare, startApiWorld, type ApiWorld } from "./sharepoint-api-kit.js";
import { makeTempDir } from "../../harness/temp-dir.js";

const CERT_APP = "33333333-3333-3333-3333-333333333333";

describe("SharePoint certificate as a PFX file", () => {
  let w: ApiWorld;
  let temp: ReturnType<typeof makeTempDir>;
  let app: { cert_file: string; key_file: string; thumbprint_sha1: string };

  /** `openssl pkcs12 -export` of the app's key and certificate, base64. */
  const exportPfx = (password: string, extra: string[] = []): string => {
    const out = join(temp.path, `app-${Math.random().toString(36).slice(2)}.pfx`);
    execFileSync("openssl", [
      "pkcs12",
      "-export",
      "-inkey",
      app.key_file,
      "-in",
      app.cert_file,
      "-out",
      out,
      "-passout",
      `pass:${password}`,
      ...extra,
    ]);
    return readFileSync(out).toString("base64");
  };

  before(async () => {
    w = await startApiWorld();
    temp = makeTempDir("pfx");
    app = (w.emu.info.apps as any[]).find((a) => a.client_id === CERT_APP && a.cert_file);
    assert.ok(app, "the emulator generated the certificate app");
  });
  after(async () => {
    await w?.close();
    temp?.remove();
  });

  const base = async () => ({
    name: "Cert via PFX",
    drive_id: w.emu.info.drive_id,
    site_id: w.emu.info.site_id,
    azure_tenant_id: w.emu.info.tenant_id,
    azure_client_id: CERT_APP,
    target_share_id: await newShare(w),
  });

  for (const { label, extra } of [
    { label: "OpenSSL 3 default (AES-256, SHA-256)", extra: [] as string[] },
    { label: "-legacy (3DES/RC2, SHA-1)", extra: ["-legacy"] },
  ]) {
    test(`a PFX exported with ${label} becomes the stored certificate and signs in`, async () => {
      const pfx = exportPfx("pfx pass", extra);
      const created = expectStatus(
        await w.api("POST", SP, {
          ...(await base()),
          azure_client_certificate_pfx: pfx,
          azure_client_certificate_pfx_password: "pfx pass",
        }),
        201,
        "create with PFX",
      );
      assert.equal(created.azure_client_certificate_pem_set, true);
      assert.equal(created.azure_client_certificate_thumbprint, app.thumbprint_sha1);
      const notAfter = new Date(forge.pki.certificateFromPem(readFileSync(app.cert_file, "utf8")).validity.notAfter);
      assert.equal(created.azure_client_certificate_expires_at, notAfter.toISOString());
      assert.match(created.azure_client_certificate_subject, /CN=/);
      for (const k of Object.keys(created)) assert.ok(!k.includes("pfx"), `no ${k} in reads`);
      const t = expectStatus(await w.api("POST", `${SP}/${created.id}/test`), 200, "test");
      assert.equal(t.success, true, JSON.stringify(t));
      const row = await w.built.context.engine.stores.connectors.get(created.id);
      assert.ok(row && !("azure_client_certificate_pfx" in row.config), "the PFX is not kept");
      assert.ok(!JSON.stringify(row).includes(pfx.slice(0, 40)));
    });
  }

  test("a PFX without a password; a PATCH swaps a client secret for a PFX", async () => {
    const secretFirst = expectStatus(
      await w.api("POST", SP, { ...(await base()), azure_client_secret: "some secret" }),
      201,
      "create with secret",
    );
    const swapped = expectStatus(
      await w.api("PATCH", `${SP}/${secretFirst.id}`, { azure_client_certificate_pfx: exportPfx("") }),
      200,
      "patch PFX without password",
    );
    assert.equal(swapped.azure_client_secret_set, false);
    assert.equal(swapped.azure_client_certificate_pem_set, true);
    assert.equal(swapped.azure_client_certificate_thumbprint, app.thumbprint_sha1);
    assert.ok(swapped.azure_client_certificate_expires_at);
    assert.equal(expectStatus(await w.api("POST", `${SP}/${secretFirst.id}/test`), 200, "test").success, true);
    // Back to a secret: the certificate's facts go with it.
    const back = expectStatus(
      await w.api("PATCH", `${SP}/${secretFirst.id}`, { azure_client_secret: "another" }),
      200,
      "patch secret",
    );
    assert.equal("azure_client_certificate_expires_at" in back, false);
    assert.equal("azure_client_certificate_thumbprint" in back, false);
  });

  test("unusable PFX files are 400s that say what to fix", async () => {
    const b = await base();
    const pfx = exportPfx("right");
    const wrong = await w.api("POST", SP, {
      ...b,
      azure_client_certificate_pfx: pfx,
      azure_client_certificate_pfx_password: "wrong",
    });
    expectStatus(wrong, 400, "wrong password");
    assert.equal(wrong.body.error.details.field, "azure_client_certificate_pfx_password");
    assert.match(wrong.body.error.message, /password is wrong/);
    const none = await w.api("POST", SP, { ...b, azure_client_certificate_pfx: pfx });
    expectStatus(none, 400, "missing password");
    assert.match(none.body.error.message, /protected by a password/);

    const noKey = join(temp.path, "nokey.pfx");
    execFileSync("openssl", [
      "pkcs12",
      "-export",
      "-nokeys",
      "-in",
      app.cert_file,
      "-out",
      noKey,
      "-passout",
      "pass:x",
    ]);
    const nk = await w.api("POST", SP, {
      ...b,
      azure_client_certificate_pfx: readFileSync(noKey).toString("base64"),
      azure_client_certificate_pfx_password: "x",
    });
    expectStatus(nk, 400, "no key");
    assert.equal(nk.body.error.details.field, "azure_client_certificate_pfx");
    assert.match(nk.body.error.message, /no private key/);

    const garbage = await w.api("POST", SP, {
      ...b,
      azure_client_certificate_pfx: Buffer.from("hello").toString("base64"),
    });
    expectStatus(garbage, 400, "not PKCS#12");
    assert.match(garbage.body.error.message, /not a PKCS#12/);

    // An expired certificate with its key (made here: openssl cannot back-date).
    const keys = forge.pki.rsa.generateKeyPair(1024);
    const cert = forge.pki.createCertificate();
    cert.publicKey = keys.publicKey;
    cert.serialNumber = "01";
    cert.validity.notBefore = new Date(Date.now() - 3 * 86400_000);
    cert.validity.notAfter = new Date(Date.now() - 86400_000);
    cert.setSubject([{ name: "commonName", value: "expired.example" }]);
    cert.setIssuer([{ name: "commonName", value: "expired.example" }]);
    cert.sign(keys.privateKey, forge.md.sha256.create());
    const p12 = forge.pkcs12.toPkcs12Asn1(keys.privateKey, cert, "x", { algorithm: "3des" });
    const expired = await w.api("POST", SP, {
      ...b,
      azure_client_certificate_pfx: Buffer.from(forge.asn1.toDer(p12).getBytes(), "binary").toString("base64"),
      azure_client_certificate_pfx_password: "x",
    });
    expectStatus(expired, 400, "expired");
    assert.equal(expired.body.error.details.field, "azure_client_certificate_pfx");
    assert.match(expired.body.error.message, /expired on/);

    const both = await w.api("POST", SP, {
      ...b,
      azure_client_certificate_pfx: pfx,
      azure_client_certificate_pfx_password: "right",
      azure_client_certificate_pem: readFileSync(app.key_file, "utf8") + readFileSync(app.cert_file, "utf8"),
    });
    expectStatus(both, 400, "PFX and PEM");
    const derived = await w.api("POST", SP, { ...b, azure_client_certificate_expires_at: "2099-01-01T00:00:00Z" });
    expectStatus(derived, 400, "derived field in a body");
  });

  test("a PEM certificate's view shows its expiry too", async () => {
    const pem = readFileSync(app.key_file, "utf8") + readFileSync(app.cert_file, "utf8");
    const c = expectStatus(
      await w.api("POST", SP, { ...(await base()), azure_client_certificate_pem: pem }),
      201,
      "create with PEM",
    );
    assert.ok(Date.parse(c.azure_client_certificate_expires_at) > Date.now());
  });
});
