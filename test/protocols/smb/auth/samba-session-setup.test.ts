import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { startSamba, type SambaInstance } from "../../../harness/samba.js";
import type { CipherId, SigningAlgorithm } from "../../../../src/protocols/smb/crypto/session-keys.js";
import { rawSessionSetup, STATUS } from "./raw-smb2.js";

/**
 * The authenticator and the crypto modules against a real smbd: NTLMv2 + SPNEGO mechListMIC is
 * accepted, and the keys we derive verify smbd's signature on the final SESSION_SETUP response
 * (the self-test of NTLM key exchange, KDF and pre-auth hash) and decrypt its encrypted replies.
 */
describe("NTLMv2 / SPNEGO / signing / encryption against real Samba", () => {
  let samba: SambaInstance;
  before(async () => {
    samba = await startSamba({ global: { "server signing": "mandatory", "server smb encrypt": "desired" } });
  });
  after(async () => {
    await samba?.stop();
  });

  const login = (
    extra: Partial<Parameters<typeof rawSessionSetup>[0]> & {
      dialect: Parameters<typeof rawSessionSetup>[0]["dialect"];
    },
  ) =>
    rawSessionSetup({
      host: samba.host,
      port: samba.port,
      domain: samba.domain,
      username: samba.username,
      password: samba.password,
      ...extra,
    });

  const signingCases: Array<[SigningAlgorithm, CipherId]> = [
    ["aes-gmac", "aes-128-gcm"],
    ["aes-cmac", "aes-128-ccm"],
    ["aes-gmac", "aes-256-gcm"],
    ["aes-cmac", "aes-256-ccm"],
  ];
  for (const [signing, cipher] of signingCases) {
    test(`SMB 3.1.1, ${signing} signing, ${cipher}: logon, signed final response, encrypted TREE_CONNECT`, async () => {
      const share = `\\\\${samba.host}\\share`;
      const r = await login({ dialect: 0x0311, signing, cipher, treeConnect: share });
      assert.equal(r.status, STATUS.SUCCESS);
      assert.equal(r.sessionFlags & 0x3, 0, "neither guest nor anonymous");
      assert.equal(r.serverMechListMic, true, "smbd sent a mechListMIC and finish() verified it");
      assert.equal(r.signing, signing);
      assert.equal(r.cipher, cipher);
      assert.ok(r.finalResponseSigned, "smbd signs the final SESSION_SETUP response");
      assert.ok(r.finalSignatureValid, "our pre-auth hash + KDF + signature verify it");
      assert.equal(r.keys!.encryptionKey.length, cipher.startsWith("aes-256") ? 32 : 16);
      assert.equal(r.treeStatus, STATUS.SUCCESS, "smbd decrypted our TREE_CONNECT");
      assert.equal(r.treeResponseEncrypted, true, "and we decrypted its encrypted answer");
    });
  }

  for (const signing of ["aes-gmac", "aes-cmac"] as SigningAlgorithm[]) {
    test(`SMB 3.1.1: smbd accepts our ${signing}-signed TREE_CONNECT and refuses it with one bit flipped`, async () => {
      const treeConnect = `\\\\${samba.host}\\share`;
      const good = await login({ dialect: 0x0311, signing, cipher: "aes-128-gcm", treeConnect, protect: "sign" });
      assert.equal(good.status, STATUS.SUCCESS);
      assert.equal(good.signing, signing);
      assert.equal(good.treeStatus, STATUS.SUCCESS);
      const bad = await login({
        dialect: 0x0311,
        signing,
        cipher: "aes-128-gcm",
        treeConnect,
        protect: "sign-with-flipped-bit",
      });
      assert.equal(bad.status, STATUS.SUCCESS);
      assert.notEqual(bad.treeStatus, STATUS.SUCCESS, "smbd checks the signature we computed");
    });
  }

  test("SMB 3.0 (AES-CMAC, AES-128-CCM)", async () => {
    const r = await login({ dialect: 0x0300, treeConnect: `\\\\${samba.host}\\share` });
    assert.equal(r.status, STATUS.SUCCESS);
    assert.equal(r.signing, "aes-cmac");
    assert.ok(r.finalSignatureValid);
    assert.equal(r.treeStatus, STATUS.SUCCESS);
    assert.equal(r.treeResponseEncrypted, true);
  });

  test("SMB 2.1 with mandatory signing (HMAC-SHA256 over the session key)", async () => {
    const r = await login({ dialect: 0x0210, treeConnect: `\\\\${samba.host}\\share` });
    assert.equal(r.status, STATUS.SUCCESS);
    assert.equal(r.signing, "hmac-sha256");
    assert.ok(r.finalResponseSigned);
    assert.ok(r.finalSignatureValid);
    assert.equal(r.treeStatus, STATUS.SUCCESS, "smbd accepted our signed TREE_CONNECT");
    assert.equal(r.treeResponseEncrypted, false);
    assert.equal(r.treeResponseSignatureValid, true);
  });

  test("a wrong password and an unknown user are refused with STATUS_LOGON_FAILURE", async () => {
    const wrong = await login({ dialect: 0x0311, password: `${samba.password}x` });
    assert.equal(wrong.status, STATUS.LOGON_FAILURE);
    const unknown = await login({ dialect: 0x0311, username: "no-such-user-here" });
    assert.equal(unknown.status, STATUS.LOGON_FAILURE);
  });
});
