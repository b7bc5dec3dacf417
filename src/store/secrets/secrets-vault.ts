import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { AppError } from "../../core/errors.js";
import { loadKeyFile, parseSecretKey, type SecretKey } from "./secret-key.js";
import { preparePrivateDir } from "../data-dir.js";

export interface SecretsVault {
  /** Id of the key new ciphertexts are sealed with. */
  readonly keyId: string;
  /** Encrypts a secret; every call uses a fresh random IV, so equal plaintexts seal differently. */
  seal(plaintext: string): string;
  /** Decrypts what seal() produced with the current or a previous key; throws {@link SecretsVaultError} otherwise. */
  open(sealed: string): string;
}

export type VaultFailure = "malformed" | "unsupported_version" | "unknown_key" | "tampered";

/**
 * open() failed. `reason` says why: the text is not a sealed secret (`malformed`), it was
 * sealed by a newer format (`unsupported_version`), with a key the vault does not hold
 * (`unknown_key`: add it to previousKeys), or it or its header was altered (`tampered`).
 * The message never contains the sealed text or any plaintext.
 */
export class SecretsVaultError extends AppError {
  readonly reason: VaultFailure;

  constructor(reason: VaultFailure, message: string, details: Record<string, unknown> = {}) {
    super("INTERNAL", message, { reason, ...details });
    this.name = "SecretsVaultError";
    this.reason = reason;
  }
}

const VERSION = "v1";
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * Opens the vault that encrypts connector credentials at rest with AES-256-GCM.
 *
 * Key: `secretKey` (the value of SCAIDRIVE_SECRET_KEY; forms in {@link parseSecretKey}) or,
 * when it is absent, `<dataDir>/secret.key`, generated on first use with mode 0600.
 * Sealed form: `v1.<keyId>.<iv>.<tag>.<ciphertext>` (base64url parts); the `v1.<keyId>` header
 * is bound as GCM associated data, so swapping the key id is detected like any other tampering.
 *
 * Rotation: configure the new key and list the old ones in `previousKeys`; open() picks the key
 * by the id in the text, seal() always uses the current key, so re-sealing migrates a secret.
 * When `secretKey` is given and a key file exists too, the file's key is accepted for opening,
 * so moving from the generated file to SCAIDRIVE_SECRET_KEY needs no manual step.
 * Throws at open time on an invalid key string.
 */
export function openSecretsVault(opts: { dataDir: string; secretKey?: string; previousKeys?: string[] }): SecretsVault {
  preparePrivateDir(opts.dataDir);
  const configured = opts.secretKey?.trim() ? parseSecretKey(opts.secretKey) : undefined;
  const current = configured ?? loadKeyFile(opts.dataDir, true)!;
  const keys = new Map<string, SecretKey>([[current.id, current]]);
  const extra = (opts.previousKeys ?? []).filter((k) => k.trim()).map(parseSecretKey);
  if (configured) {
    const fileKey = loadKeyFile(opts.dataDir, false);
    if (fileKey) extra.push(fileKey);
  }
  for (const key of extra) if (!keys.has(key.id)) keys.set(key.id, key);

  function seal(plaintext: string): string {
    const iv = randomBytes(IV_BYTES);
    const header = `${VERSION}.${current.id}`;
    const cipher = createCipheriv("aes-256-gcm", current.key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(header, "utf8"));
    const ct = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
    return [header, b64url(iv), b64url(cipher.getAuthTag()), b64url(ct)].join(".");
  }

  function open(sealed: string): string {
    const parts = typeof sealed === "string" ? sealed.split(".") : [];
    if (parts.length !== 5) throw new SecretsVaultError("malformed", "not a sealed secret");
    const [version, keyId, ivText, tagText, ctText] = parts;
    if (version !== VERSION) {
      throw new SecretsVaultError(
        "unsupported_version",
        `sealed secret has unsupported format ${JSON.stringify(version.slice(0, 8))}`,
      );
    }
    const key = keys.get(keyId);
    if (!key) {
      throw new SecretsVaultError(
        "unknown_key",
        `sealed secret ` +
          `uses key ${JSON.stringify(keyId.slice(0, 32))}, which is neither the current key nor a previous key`,
        {
          key_id: keyId.slice(0, 32),
        },
      );
    }
    const iv = fromB64url(ivText);
    const tag = fromB64url(tagText);
    const ct = fromB64url(ctText);
    if (!iv || iv.length !== IV_BYTES || !tag || tag.length !== TAG_BYTES || !ct) {
      throw new SecretsVaultError("malformed", "sealed secret has a malformed iv, tag or ciphertext");
    }
    try {
      const decipher = createDecipheriv("aes-256-gcm", key.key, iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(Buffer.from(`${version}.${keyId}`, "utf8"));
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(ct), decipher.final()]).toString("utf8");
    } catch {
      throw new SecretsVaultError("tampered", "sealed secret failed authentication (altered or corrupted)", {
        key_id: keyId,
      });
    }
  }

  return { keyId: current.id, seal, open };
}

function b64url(buf: Buffer): string {
  return buf.toString("base64url");
}

/** Strict base64url: Buffer.from() silently skips bad characters, which would hide tampering. */
function fromB64url(text: string): Buffer | undefined {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return undefined;
  return Buffer.from(text, "base64url");
}
