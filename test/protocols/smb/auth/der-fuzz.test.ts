import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { SmbAuthError } from "../../../../src/protocols/smb/auth/auth-error.js";
import { createNtlmAuthenticator } from "../../../../src/protocols/smb/auth/ntlm-authenticator.js";
import { decodeAvPairs, decodeChallenge } from "../../../../src/protocols/smb/auth/ntlm-messages.js";
import {
  decodeNegTokenInit,
  decodeNegTokenResp,
  encodeNegTokenResp,
  NTLMSSP_OID,
} from "../../../../src/protocols/smb/auth/spnego.js";
import { securityBuffer } from "../crypto/preauth-exchange-vectors.js";

/** Deterministic xorshift32 so a failure reproduces; the seed is printed in the test name. */
function prng(seed: number): (n: number) => number {
  let x = seed >>> 0 || 1;
  return (n) => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x % n;
  };
}

const CHALLENGE = decodeNegTokenResp(securityBuffer(3)).responseToken!;
const CHALLENGE_TOKEN = encodeNegTokenResp({
  negState: "accept-incomplete",
  supportedMech: NTLMSSP_OID,
  responseToken: CHALLENGE,
});
const FINAL_TOKEN = encodeNegTokenResp({ negState: "accept-completed", mechListMIC: Buffer.alloc(16, 1) });
const HINT = Buffer.from("601c06062b0601050502a0123010a00e300c060a2b06010401823702020a", "hex");

/** Inputs derived from a valid token: every prefix, and random byte mutations. */
function variants(valid: Buffer, rand: (n: number) => number, count: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < valid.length; i++) out.push(valid.subarray(0, i));
  for (let i = 0; i < count; i++) {
    const copy = Buffer.from(valid);
    const flips = 1 + rand(4);
    for (let f = 0; f < flips; f++) {
      const at = rand(copy.length);
      copy[at] = rand(3) === 0 ? [0x00, 0x7f, 0x80, 0x81, 0x84, 0xff][rand(6)] : rand(256);
    }
    out.push(copy);
  }
  for (let i = 0; i < count; i++) {
    const random = Buffer.alloc(rand(200));
    for (let b = 0; b < random.length; b++) random[b] = rand(256);
    if (random.length > 0 && rand(2) === 0) random[0] = valid[0];
    out.push(random);
  }
  return out;
}

/** Runs `fn`; anything thrown must be an SmbAuthError. Returns whether it threw. */
function onlyAuthErrors(fn: () => unknown, input: Buffer): boolean {
  try {
    fn();
    return false;
  } catch (e) {
    if (!(e instanceof SmbAuthError)) {
      assert.fail(`input ${input.toString("hex")} threw ${(e as Error)?.name}: ${(e as Error)?.message}`);
    }
    return true;
  }
}

describe("decoders never throw anything but SmbAuthError (fuzz)", () => {
  const seed = 0x5eed1234;
  test(
    `SPNEGO, NTLM and AV_PAIR decoders on truncated, mutated and random input (seed ${seed})`,
    { timeout: 60_000 },
    () => {
      const rand = prng(seed);
      let rejected = 0;
      let total = 0;
      const cases: Array<[Buffer, (b: Buffer) => unknown]> = [
        [CHALLENGE_TOKEN, decodeNegTokenResp],
        [FINAL_TOKEN, decodeNegTokenResp],
        [HINT, decodeNegTokenInit],
        [securityBuffer(1), decodeNegTokenInit],
        [securityBuffer(4), decodeNegTokenResp],
        [CHALLENGE, decodeChallenge],
        [CHALLENGE.subarray(0x44, 0x44 + 0x50), decodeAvPairs],
      ];
      for (const [valid, decode] of cases) {
        for (const input of variants(valid, rand, 3000)) {
          total++;
          if (onlyAuthErrors(() => decode(input), input)) rejected++;
        }
      }
      assert.ok(rejected > total / 4, `most garbage is rejected (${rejected}/${total})`);
    },
  );

  test(
    `the authenticator's respond() and finish() on hostile server tokens (seed ${seed + 1})`,
    { timeout: 60_000 },
    () => {
      const rand = prng(seed + 1);
      const innerMutations = variants(CHALLENGE, rand, 1500).map((c) =>
        encodeNegTokenResp({ negState: "accept-incomplete", supportedMech: NTLMSSP_OID, responseToken: c }),
      );
      for (const input of [...variants(CHALLENGE_TOKEN, rand, 1500), ...innerMutations]) {
        const auth = createNtlmAuthenticator({ domain: "D", username: "u", password: "p" });
        auth.initialToken(HINT);
        if (!onlyAuthErrors(() => auth.respond(input), input)) {
          onlyAuthErrors(() => auth.finish(variants(FINAL_TOKEN, rand, 1)[rand(FINAL_TOKEN.length + 2)]), input);
        }
      }
      for (const hint of variants(HINT, rand, 1000)) {
        onlyAuthErrors(
          () => createNtlmAuthenticator({ domain: "D", username: "u", password: "p" }).initialToken(hint),
          hint,
        );
      }
    },
  );
});
