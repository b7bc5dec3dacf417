/**
 * The per-run RSA key Entra signs access and id tokens with, and its JWKS. A fresh key each run
 * means a token from an earlier run never validates against a later one, as after a key rollover.
 */
import { createHash, generateKeyPairSync, type KeyObject } from "node:crypto";

export interface SigningKey {
  /** `kid` (and `x5t`) of the JWT header, as Entra uses it: base64url SHA-1 of the public key. */
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

export function createSigningKey(): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const der = publicKey.export({ type: "spki", format: "der" });
  const kid = createHash("sha1").update(der).digest("base64url");
  return { kid, privateKey, publicKey };
}

/**
 * The JWKS document of `/{tenant}/discovery/v2.0/keys`. Entra's keys also carry `x5c`; ours do
 * not (no certificate is made for the signing key), so validators must use `n`/`e`.
 */
export function jwks(key: SigningKey, issuer: string): { keys: Array<Record<string, unknown>> } {
  const jwk = key.publicKey.export({ format: "jwk" }) as { n: string; e: string };
  return { keys: [{ kty: "RSA", use: "sig", kid: key.kid, x5t: key.kid, n: jwk.n, e: jwk.e, issuer }] };
}
