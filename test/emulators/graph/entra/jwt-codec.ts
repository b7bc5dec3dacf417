/**
 * Compact JWS (JWT) encoding and decoding for the emulator's own tokens and for client
 * assertions. Only RS256 and PS256 exist here: Entra signs with RS256 and accepts both for
 * certificate credentials (MSAL signs PS256 with a SHA-256 thumbprint, RS256 with SHA-1).
 */
import { constants, createPublicKey, sign, verify, type KeyObject } from "node:crypto";

export type JwtAlg = "RS256" | "PS256";

export interface DecodedJwt {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
  signingInput: string;
  signature: Buffer;
}

const b64json = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString("base64url");

export function signJwt(header: Record<string, unknown>, payload: Record<string, unknown>, key: KeyObject): string {
  const alg = (header.alg ?? "RS256") as JwtAlg;
  const input = `${b64json({ typ: "JWT", ...header, alg })}.${b64json(payload)}`;
  const sig = sign(
    "sha256",
    Buffer.from(input),
    alg === "PS256"
      ? { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST }
      : key,
  );
  return `${input}.${sig.toString("base64url")}`;
}

/** Splits and parses a compact JWT without checking anything; null when it is not one. */
export function decodeJwt(token: string): DecodedJwt | null {
  const parts = token.split(".");
  if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]*$/.test(p))) return null;
  try {
    const header = JSON.parse(Buffer.from(parts[0], "base64url").toString("utf8"));
    const payload = JSON.parse(Buffer.from(parts[1], "base64url").toString("utf8"));
    if (!isObject(header) || !isObject(payload)) return null;
    return { header, payload, signingInput: `${parts[0]}.${parts[1]}`, signature: Buffer.from(parts[2], "base64url") };
  } catch {
    return null;
  }
}

/** True when `jwt`'s signature verifies under `publicKey` with `alg`; PSS accepts any salt length. */
export function verifyJwtSignature(jwt: DecodedJwt, alg: JwtAlg, publicKey: KeyObject | string): boolean {
  const key = typeof publicKey === "string" ? createPublicKey(publicKey) : publicKey;
  try {
    return verify(
      "sha256",
      Buffer.from(jwt.signingInput),
      alg === "PS256"
        ? { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_AUTO }
        : key,
      jwt.signature,
    );
  } catch {
    return false;
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
