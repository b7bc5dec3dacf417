/**
 * The client against real smbd in each server configuration issue 3 names: it negotiates the
 * expected dialect, signs (verifying every response) or encrypts, and does real I/O.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { startSamba } from "../../../harness/samba.js";
import { connectClient } from "./smb-test-helpers.js";
import { Dialect, SmbError } from "../../../../src/protocols/smb/index.js";
import { readFileSync } from "node:fs";
import { join } from "node:path";

interface Case {
  name: string;
  global: Record<string, string>;
  dialect: number;
  encrypted: boolean;
  cipher?: string;
  signingAlgorithm?: string;
  clientEncrypt?: "auto" | "required";
  clientSigning?: "auto" | "required";
}

const cases: Case[] = [
  { name: "default config", global: {}, dialect: Dialect.SMB311, encrypted: false, signingAlgorithm: "aes-gmac" },
  {
    name: "server signing = mandatory",
    global: { "server signing": "mandatory" },
    dialect: Dialect.SMB311,
    encrypted: false,
  },
  {
    name: "min protocol SMB3_11 + smb encrypt required",
    global: { "server min protocol": "SMB3_11", "server smb encrypt": "required" },
    dialect: Dialect.SMB311,
    encrypted: true,
    cipher: "aes-128-gcm",
  },
  {
    name: "max protocol SMB2_10",
    global: { "server max protocol": "SMB2_10" },
    dialect: Dialect.SMB210,
    encrypted: false,
    signingAlgorithm: "hmac-sha256",
  },
  {
    name: "max protocol SMB2_02",
    global: { "server max protocol": "SMB2_02", "server signing": "mandatory" },
    dialect: Dialect.SMB202,
    encrypted: false,
  },
  {
    name: "SMB 3.0 encrypted (AES-128-CCM)",
    global: { "server max protocol": "SMB3_00", "server smb encrypt": "required" },
    dialect: Dialect.SMB300,
    encrypted: true,
    cipher: "aes-128-ccm",
    signingAlgorithm: "aes-cmac",
  },
  {
    name: "SMB 3.0.2 signed",
    global: { "server max protocol": "SMB3_02", "server signing": "mandatory" },
    dialect: Dialect.SMB302,
    encrypted: false,
    signingAlgorithm: "aes-cmac",
  },
  {
    name: "AES-256-GCM",
    global: { "server smb encrypt": "required", "server smb3 encryption algorithms": "AES-256-GCM" },
    dialect: Dialect.SMB311,
    encrypted: true,
    cipher: "aes-256-gcm",
  },
  {
    name: "AES-256-CCM",
    global: { "server smb encrypt": "required", "server smb3 encryption algorithms": "AES-256-CCM" },
    dialect: Dialect.SMB311,
    encrypted: true,
    cipher: "aes-256-ccm",
  },
  {
    name: "AES-128-CMAC signing on 3.1.1",
    global: { "server smb3 signing algorithms": "AES-128-CMAC", "server signing": "mandatory" },
    dialect: Dialect.SMB311,
    encrypted: false,
    signingAlgorithm: "aes-cmac",
  },
  {
    name: "encryption on client request",
    global: {},
    dialect: Dialect.SMB311,
    encrypted: true,
    clientEncrypt: "required",
  },
  {
    name: "signing on client request",
    global: {},
    dialect: Dialect.SMB311,
    encrypted: false,
    signingAlgorithm: "aes-gmac",
    clientSigning: "required",
  },
];

describe("SMB client dialects, signing and encryption against smbd", () => {
  for (const c of cases) {
    test(c.name, async () => {
      const s = await startSamba({ global: c.global });
      try {
        const client = await connectClient(s, { encrypt: c.clientEncrypt, signing: c.clientSigning });
        try {
          const sec = client.security!;
          assert.equal(sec.dialect, c.dialect);
          assert.equal(sec.encrypted, c.encrypted);
          // Signing "auto": requests are signed when the server requires it (encrypted ones never need to be).
          assert.equal(sec.signing, c.global["server signing"] === "mandatory" || c.clientSigning === "required");
          if (c.cipher) assert.equal(sec.cipher, c.cipher);
          if (c.signingAlgorithm) assert.equal(sec.signingAlgorithm, c.signingAlgorithm);
          const tree = await client.tree("share");
          const payload = Buffer.alloc(300_000, 7);
          payload.write(c.name);
          await tree.writeFile("probe.bin", payload);
          assert.deepEqual(readFileSync(join(s.shares.share, "probe.bin")), payload);
          assert.deepEqual(await tree.readFile("probe.bin"), payload);
          const names = (await tree.list("")).map((e) => e.name);
          assert.deepEqual(names, ["probe.bin"]);
          // compound chains (CREATE + op + CLOSE) under this dialect's signing / encryption
          await tree.rename("probe.bin", "renamed.bin");
          assert.equal((await tree.stat("renamed.bin")).size, payload.length);
          await tree.mkdir("dir");
          assert.equal((await tree.stat("dir")).isDirectory, true);
          await tree.rmdir("dir");
          await tree.unlink("renamed.bin");
          await assert.rejects(
            tree.stat("renamed.bin"),
            (e: unknown) => e instanceof SmbError && e.kind === "not_found",
          );
        } finally {
          await client.close();
        }
      } finally {
        await s.stop();
      }
    });
  }

  test("encrypt: required against a 2.1-only server fails clearly", async () => {
    const s = await startSamba({ global: { "server max protocol": "SMB2_10" } });
    try {
      await assert.rejects(
        connectClient(s, { encrypt: "required" }),
        (e: unknown) => e instanceof SmbError && /encryption required/.test(e.message),
      );
    } finally {
      await s.stop();
    }
  });

  test("a share flagged smb encrypt = required is encrypted on a plain session", async () => {
    const s = await startSamba({ shares: { plain: {}, secret: { "smb encrypt": "required" } } });
    try {
      const client = await connectClient(s);
      try {
        assert.equal(client.security!.encrypted, false);
        const secret = await client.tree("secret");
        await secret.writeFile("x.txt", "classified");
        assert.equal((await secret.readFile("x.txt")).toString(), "classified");
        const plain = await client.tree("plain");
        await plain.writeFile("y.txt", "open");
        assert.equal(readFileSync(join(s.shares.secret, "x.txt"), "utf8"), "classified");
      } finally {
        await client.close();
      }
    } finally {
      await s.stop();
    }
  });
});
