import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { PreauthIntegrityHash } from "../../../../src/protocols/smb/crypto/preauth-hash.js";
import { deriveSessionKeys } from "../../../../src/protocols/smb/crypto/session-keys.js";
import { EXCHANGE, SESSION_KEY, SIGNING_KEY } from "./preauth-exchange-vectors.js";

const hex = (s: string): Buffer => Buffer.from(s, "hex");

describe("PreauthIntegrityHash (Microsoft's SMB 3.1.1 pre-auth integrity example)", () => {
  test("starts at 64 zero bytes", () => {
    assert.deepEqual(new PreauthIntegrityHash().value, Buffer.alloc(64));
  });

  test("reproduces the hash after each NEGOTIATE / SESSION_SETUP message", () => {
    const hash = new PreauthIntegrityHash();
    for (const [i, step] of EXCHANGE.entries()) {
      hash.update(hex(step.message));
      assert.equal(hash.value.toString("hex").toUpperCase(), step.hashAfter, `after message ${i + 1}`);
    }
  });

  test("the final hash and session key give the published 3.1.1 signing key", () => {
    const hash = new PreauthIntegrityHash();
    for (const step of EXCHANGE) hash.update(hex(step.message));
    const keys = deriveSessionKeys(0x0311, hex(SESSION_KEY), hash.value, undefined);
    assert.equal(keys.signingKey.toString("hex").toUpperCase(), SIGNING_KEY);
  });

  test("a clone continues independently (connection hash vs. per-session hash)", () => {
    const connection = new PreauthIntegrityHash();
    connection.update(hex(EXCHANGE[0].message));
    connection.update(hex(EXCHANGE[1].message));
    const session = connection.clone();
    session.update(hex(EXCHANGE[2].message));
    assert.equal(connection.value.toString("hex").toUpperCase(), EXCHANGE[1].hashAfter);
    assert.equal(session.value.toString("hex").toUpperCase(), EXCHANGE[2].hashAfter);
  });

  test("value is a copy", () => {
    const hash = new PreauthIntegrityHash();
    hash.value.fill(0xff);
    assert.deepEqual(hash.value, Buffer.alloc(64));
  });
});
