/**
 * The least SMB2 that can put the authenticator and the crypto modules in front of a real smbd
 * without depending on the client under construction: framing, NEGOTIATE (with 3.1.1
 * contexts), SESSION_SETUP and an encrypted TREE_CONNECT. Test-only; one request in flight.
 */
import { connect, type Socket } from "node:net";
import { randomBytes } from "node:crypto";
import { createNtlmAuthenticator } from "../../../../src/protocols/smb/auth/ntlm-authenticator.js";
import { decodeNegTokenResp } from "../../../../src/protocols/smb/auth/spnego.js";
import { PreauthIntegrityHash } from "../../../../src/protocols/smb/crypto/preauth-hash.js";
import {
  deriveSessionKeys,
  type CipherId,
  type SessionKeys,
  type SigningAlgorithm,
  type SmbDialect,
} from "../../../../src/protocols/smb/crypto/session-keys.js";
import { computeSignature, verifySignature } from "../../../../src/protocols/smb/crypto/signing.js";
import { decryptMessage, encryptMessage } from "../../../../src/protocols/smb/crypto/transform.js";

export const STATUS = { SUCCESS: 0, MORE_PROCESSING_REQUIRED: 0xc0000016, LOGON_FAILURE: 0xc000006d } as const;
const CIPHER_IDS: Record<CipherId, number> = { "aes-128-ccm": 1, "aes-128-gcm": 2, "aes-256-ccm": 3, "aes-256-gcm": 4 };
const SIGNING_IDS: Record<SigningAlgorithm, number> = { "hmac-sha256": 0, "aes-cmac": 1, "aes-gmac": 2 };

class Wire {
  private buffered = Buffer.alloc(0);
  private waiting: ((frame: Buffer) => void) | undefined;
  private failed: Error | undefined;
  private readonly frames: Buffer[] = [];

  constructor(private readonly socket: Socket) {
    socket.on("data", (chunk: Buffer) => {
      this.buffered = Buffer.concat([this.buffered, chunk]);
      while (this.buffered.length >= 4) {
        const length = this.buffered.readUInt32BE(0) & 0xffffff;
        if (this.buffered.length < 4 + length) break;
        this.frames.push(this.buffered.subarray(4, 4 + length));
        this.buffered = this.buffered.subarray(4 + length);
      }
      this.deliver();
    });
    socket.on("error", (e) => (this.failed = e));
    socket.on("close", () => (this.failed ??= new Error("connection closed")));
  }

  private deliver(): void {
    if (this.waiting && this.frames.length > 0) {
      const w = this.waiting;
      this.waiting = undefined;
      w(this.frames.shift()!);
    }
  }

  send(message: Buffer): void {
    const head = Buffer.alloc(4);
    head.writeUInt32BE(message.length);
    this.socket.write(Buffer.concat([head, message]));
  }

  receive(timeoutMs = 15_000): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(this.failed ?? new Error("timed out waiting for smbd")), timeoutMs);
      this.waiting = (frame) => {
        clearTimeout(timer);
        resolve(frame);
      };
      this.deliver();
    });
  }

  close(): void {
    this.socket.destroy();
  }
}

function header(command: number, messageId: number, sessionId: bigint, treeId = 0): Buffer {
  const h = Buffer.alloc(64);
  h.writeUInt32LE(0x424d53fe, 0);
  h.writeUInt16LE(64, 4);
  h.writeUInt16LE(messageId === 0 ? 0 : 1, 6);
  h.writeUInt16LE(command, 12);
  h.writeUInt16LE(64, 14);
  h.writeBigUInt64LE(BigInt(messageId), 24);
  h.writeUInt32LE(0xfeff, 32);
  h.writeUInt32LE(treeId, 36);
  h.writeBigUInt64LE(sessionId, 40);
  return h;
}

function pad8(b: Buffer): Buffer {
  return b.length % 8 === 0 ? b : Buffer.concat([b, Buffer.alloc(8 - (b.length % 8))]);
}

function context(type: number, data: Buffer): Buffer {
  const h = Buffer.alloc(8);
  h.writeUInt16LE(type, 0);
  h.writeUInt16LE(data.length, 2);
  return Buffer.concat([h, data]);
}

/** MS-SMB2 2.2.3 NEGOTIATE request offering exactly one dialect. */
function negotiateRequest(dialect: SmbDialect, cipher?: CipherId, signing?: SigningAlgorithm): Buffer {
  const body = Buffer.alloc(36 + 2);
  body.writeUInt16LE(36, 0);
  body.writeUInt16LE(1, 2);
  body.writeUInt16LE(0x0001, 4); // signing enabled
  body.writeUInt32LE(dialect >= 0x0300 ? 0x40 : 0, 8); // CAP_ENCRYPTION
  randomBytes(16).copy(body, 12);
  body.writeUInt16LE(dialect, 36);
  if (dialect !== 0x0311) return Buffer.concat([header(0, 0, 0n), body]);

  const salt = randomBytes(32);
  const preauth = Buffer.alloc(6);
  preauth.writeUInt16LE(1, 0);
  preauth.writeUInt16LE(32, 2);
  preauth.writeUInt16LE(1, 4); // SHA-512
  const contexts = [context(1, Buffer.concat([preauth, salt]))];
  if (cipher) contexts.push(context(2, Buffer.from([1, 0, CIPHER_IDS[cipher], 0])));
  if (signing) contexts.push(context(8, Buffer.from([1, 0, SIGNING_IDS[signing], 0])));
  const offset = 64 + pad8(body).length;
  body.writeUInt32LE(offset, 28);
  body.writeUInt16LE(contexts.length, 32);
  return Buffer.concat([
    header(0, 0, 0n),
    pad8(body),
    ...contexts.map((c, i) => (i < contexts.length - 1 ? pad8(c) : c)),
  ]);
}

interface NegotiateResult {
  dialect: SmbDialect;
  securityBuffer: Buffer;
  cipher?: CipherId;
  signing?: SigningAlgorithm;
  signingRequired: boolean;
}

function parseNegotiate(msg: Buffer): NegotiateResult {
  const status = msg.readUInt32LE(8);
  if (status !== 0) throw new Error(`NEGOTIATE failed: 0x${status.toString(16)}`);
  const dialect = msg.readUInt16LE(68) as SmbDialect;
  const secOffset = msg.readUInt16LE(120);
  const secLength = msg.readUInt16LE(122);
  const out: NegotiateResult = {
    dialect,
    securityBuffer: msg.subarray(secOffset, secOffset + secLength),
    signingRequired: (msg.readUInt16LE(66) & 0x2) !== 0,
  };
  if (dialect === 0x0311) {
    let at = msg.readUInt32LE(124);
    for (let n = msg.readUInt16LE(70); n > 0; n--) {
      const type = msg.readUInt16LE(at);
      const length = msg.readUInt16LE(at + 2);
      const data = msg.subarray(at + 8, at + 8 + length);
      if (type === 2 && data.readUInt16LE(0) === 1) {
        out.cipher = (Object.keys(CIPHER_IDS) as CipherId[]).find((c) => CIPHER_IDS[c] === data.readUInt16LE(2));
      }
      if (type === 8 && data.readUInt16LE(0) === 1) {
        out.signing = (Object.keys(SIGNING_IDS) as SigningAlgorithm[]).find(
          (s) => SIGNING_IDS[s] === data.readUInt16LE(2),
        );
      }
      at += 8 + length;
      at = (at + 7) & ~7;
    }
  }
  return out;
}

function sessionSetupRequest(messageId: number, sessionId: bigint, token: Buffer): Buffer {
  const body = Buffer.alloc(24);
  body.writeUInt16LE(25, 0);
  body[3] = 0x01;
  body.writeUInt16LE(64 + 24, 12);
  body.writeUInt16LE(token.length, 14);
  return Buffer.concat([header(1, messageId, sessionId), body, token]);
}

function securityBuffer(msg: Buffer): Buffer {
  const offset = msg.readUInt16LE(68);
  const length = msg.readUInt16LE(70);
  return length === 0 ? Buffer.alloc(0) : msg.subarray(offset, offset + length);
}

export interface SetupOutcome {
  dialect: SmbDialect;
  status: number;
  sessionFlags: number;
  signing: SigningAlgorithm;
  cipher?: CipherId;
  keys?: SessionKeys;
  finalResponseSigned: boolean;
  finalSignatureValid: boolean;
  /** Whether smbd's final SPNEGO token carried a mechListMIC (which finish() then verified). */
  serverMechListMic?: boolean;
  /** TREE_CONNECT status when `treeConnect` was asked for. */
  treeStatus?: number;
  treeResponseEncrypted?: boolean;
  /** For a plain (unencrypted) TREE_CONNECT response: whether smbd signed it and the signature verifies. */
  treeResponseSignatureValid?: boolean;
}

/**
 * Connects, negotiates `dialect`, authenticates with the given password and, when asked,
 * sends an encrypted (3.x) or signed TREE_CONNECT to `treeConnect` ("\\\\host\\share").
 */
export async function rawSessionSetup(opts: {
  host: string;
  port: number;
  domain: string;
  username: string;
  password: string;
  dialect: SmbDialect;
  cipher?: CipherId;
  signing?: SigningAlgorithm;
  treeConnect?: string;
  /** How the TREE_CONNECT is protected; default: encrypted when the dialect has a cipher. */
  protect?: "encrypt" | "sign" | "sign-with-flipped-bit";
}): Promise<SetupOutcome> {
  const socket = connect({ host: opts.host, port: opts.port });
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  const wire = new Wire(socket);
  try {
    const connectionHash = new PreauthIntegrityHash();
    const negReq = negotiateRequest(opts.dialect, opts.cipher, opts.signing);
    wire.send(negReq);
    const negResp = await wire.receive();
    connectionHash.update(negReq);
    connectionHash.update(negResp);
    const neg = parseNegotiate(negResp);
    const signing: SigningAlgorithm = neg.dialect < 0x0300 ? "hmac-sha256" : (neg.signing ?? "aes-cmac");
    const cipher = neg.dialect === 0x0311 ? neg.cipher : neg.dialect >= 0x0300 ? "aes-128-ccm" : undefined;

    const auth = createNtlmAuthenticator({
      domain: opts.domain,
      username: opts.username,
      password: opts.password,
      workstation: "SCAITEST-CLIENT",
    });
    const sessionHash = connectionHash.clone();
    const req1 = sessionSetupRequest(1, 0n, auth.initialToken(neg.securityBuffer));
    wire.send(req1);
    const resp1 = await wire.receive();
    if (resp1.readUInt32LE(8) !== STATUS.MORE_PROCESSING_REQUIRED) {
      return {
        dialect: neg.dialect,
        status: resp1.readUInt32LE(8),
        sessionFlags: 0,
        signing,
        finalResponseSigned: false,
        finalSignatureValid: false,
      };
    }
    sessionHash.update(req1);
    sessionHash.update(resp1);
    const sessionId = resp1.readBigUInt64LE(40);
    const req2 = sessionSetupRequest(2, sessionId, auth.respond(securityBuffer(resp1)));
    wire.send(req2);
    sessionHash.update(req2);
    const resp2 = await wire.receive();
    const status = resp2.readUInt32LE(8);
    const base = { dialect: neg.dialect, status, signing, cipher };
    if (status !== STATUS.SUCCESS)
      return { ...base, sessionFlags: 0, finalResponseSigned: false, finalSignatureValid: false };

    const finalToken = securityBuffer(resp2);
    auth.finish(finalToken);
    const keys = deriveSessionKeys(
      neg.dialect,
      auth.sessionKey,
      neg.dialect === 0x0311 ? sessionHash.value : undefined,
      cipher,
    );
    const signed = (resp2.readUInt32LE(16) & 0x8) !== 0;
    const outcome: SetupOutcome = {
      ...base,
      sessionFlags: resp2.readUInt16LE(66),
      keys,
      finalResponseSigned: signed,
      finalSignatureValid: signed && verifySignature(signing, keys.signingKey, resp2),
      serverMechListMic: finalToken.length > 0 && decodeNegTokenResp(finalToken).mechListMIC !== undefined,
    };

    if (opts.treeConnect) {
      const path = Buffer.from(opts.treeConnect, "utf16le");
      const body = Buffer.alloc(8);
      body.writeUInt16LE(9, 0);
      body.writeUInt16LE(72, 4);
      body.writeUInt16LE(path.length, 6);
      const tree = Buffer.concat([header(3, 3, sessionId), body, path]);
      if (cipher && (opts.protect ?? "encrypt") === "encrypt") {
        wire.send(encryptMessage(cipher, keys.encryptionKey, sessionId, tree));
      } else {
        tree.writeUInt32LE(tree.readUInt32LE(16) | 0x8, 16);
        computeSignature(signing, keys.signingKey, tree).copy(tree, 48);
        if (opts.protect === "sign-with-flipped-bit") tree[48] ^= 0x01;
        wire.send(tree);
      }
      const raw = await wire.receive().catch(() => undefined);
      if (!raw) {
        outcome.treeStatus = -1; // smbd dropped the connection
        return outcome;
      }
      const encrypted = raw.readUInt32LE(0) === 0x424d53fd;
      const reply = encrypted ? decryptMessage(cipher!, keys.decryptionKey, raw).message : raw;
      outcome.treeResponseEncrypted = encrypted;
      outcome.treeStatus = reply.readUInt32LE(8);
      if (!encrypted) {
        outcome.treeResponseSignatureValid =
          (reply.readUInt32LE(16) & 0x8) !== 0 && verifySignature(signing, keys.signingKey, reply);
      }
    }
    return outcome;
  } finally {
    wire.close();
  }
}
