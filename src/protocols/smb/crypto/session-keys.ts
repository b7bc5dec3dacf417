import { smb3Kdf } from "./kdf.js";

export type SmbDialect = 0x0202 | 0x0210 | 0x0300 | 0x0302 | 0x0311;
export type SigningAlgorithm = "hmac-sha256" | "aes-cmac" | "aes-gmac";
export type CipherId = "aes-128-ccm" | "aes-128-gcm" | "aes-256-ccm" | "aes-256-gcm";

export interface SessionKeys {
  signingKey: Buffer;
  /** Client -> server (Session.EncryptionKey); empty for 2.x. */
  encryptionKey: Buffer;
  /** Server -> client (Session.DecryptionKey); empty for 2.x. */
  decryptionKey: Buffer;
  applicationKey: Buffer;
}

const label = (text: string): Buffer => Buffer.from(`${text}\0`, "latin1");

/** MS-SMB2 3.2.5.3.1 labels and contexts for 3.0 / 3.0.2. */
const SMB30 = {
  signing: [label("SMB2AESCMAC"), label("SmbSign")],
  application: [label("SMB2APP"), label("SmbRpc")],
  encryption: [label("SMB2AESCCM"), label("ServerIn ")],
  decryption: [label("SMB2AESCCM"), label("ServerOut")],
} as const;

/** MS-SMB2 3.2.5.3.1 labels for 3.1.1; the context is always the pre-auth integrity hash. */
const SMB311 = {
  signing: label("SMBSigningKey"),
  application: label("SMBAppKey"),
  encryption: label("SMBC2SCipherKey"),
  decryption: label("SMBS2CCipherKey"),
} as const;

/** Session.SessionKey: the first 16 bytes of the authentication key, right-padded with zeros. */
function first16(key: Buffer): Buffer {
  const out = Buffer.alloc(16);
  key.copy(out, 0, 0, Math.min(16, key.length));
  return out;
}

/**
 * MS-SMB2 3.2.5.3.1: 2.x uses the session key itself for signing; 3.0/3.0.2 fixed labels;
 * 3.1.1 labels with the pre-auth integrity hash as context; 256-bit ciphers derive 256-bit
 * encryption keys from the full session key (NTLM's is 16 bytes, so full = first 16 there).
 * @throws RangeError for 3.1.1 without a 64-byte pre-auth hash, or for a 256-bit cipher on a
 *   dialect that cannot negotiate one.
 */
export function deriveSessionKeys(
  dialect: SmbDialect,
  sessionKey: Buffer,
  preauthHash: Buffer | undefined,
  cipher: CipherId | undefined,
): SessionKeys {
  const key16 = first16(sessionKey);
  if (dialect === 0x0202 || dialect === 0x0210) {
    return { signingKey: key16, encryptionKey: Buffer.alloc(0), decryptionKey: Buffer.alloc(0), applicationKey: key16 };
  }

  const wide = cipher === "aes-256-ccm" || cipher === "aes-256-gcm";
  const cipherBits: 128 | 256 = wide ? 256 : 128;
  const cipherKey = wide ? sessionKey : key16;

  if (dialect === 0x0311) {
    if (!preauthHash || preauthHash.length !== 64) {
      throw new RangeError("SMB 3.1.1 key derivation needs the 64-byte pre-auth integrity hash");
    }
    return {
      signingKey: smb3Kdf(key16, SMB311.signing, preauthHash, 128),
      encryptionKey: smb3Kdf(cipherKey, SMB311.encryption, preauthHash, cipherBits),
      decryptionKey: smb3Kdf(cipherKey, SMB311.decryption, preauthHash, cipherBits),
      applicationKey: smb3Kdf(key16, SMB311.application, preauthHash, 128),
    };
  }

  if (wide) throw new RangeError("AES-256 ciphers exist only in SMB 3.1.1");
  return {
    signingKey: smb3Kdf(key16, SMB30.signing[0], SMB30.signing[1], 128),
    encryptionKey: smb3Kdf(key16, SMB30.encryption[0], SMB30.encryption[1], 128),
    decryptionKey: smb3Kdf(key16, SMB30.decryption[0], SMB30.decryption[1], 128),
    applicationKey: smb3Kdf(key16, SMB30.application[0], SMB30.application[1], 128),
  };
}
