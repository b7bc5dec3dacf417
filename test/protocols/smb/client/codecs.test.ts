/**
 * Wire codecs: layouts from MS-SMB2 2.2.x checked byte by byte, and every decoder rejecting a
 * truncated message with a protocol SmbError instead of misreading it.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Command, HeaderFlags, decodeHeader, encodeHeader } from "../../../../src/protocols/smb/messages/header.js";
import {
  encodeNegotiateRequest,
  decodeNegotiateResponse,
  Dialect,
} from "../../../../src/protocols/smb/messages/negotiate.js";
import {
  encodeCreateRequest,
  decodeCreateResponse,
  Access,
  Disposition,
} from "../../../../src/protocols/smb/messages/create.js";
import { decodeFileIdBothDirectoryInformation } from "../../../../src/protocols/smb/messages/query-directory.js";
import { encodeFileRenameInformation, decodeFileAllInformation } from "../../../../src/protocols/smb/messages/info.js";
import { decodeFileNotifyInformation } from "../../../../src/protocols/smb/messages/notify-ioctl.js";
import { decodeReadResponse, encodeReadRequest } from "../../../../src/protocols/smb/messages/read-write.js";
import { SmbError, classifyStatus, ntStatusName, NtStatus } from "../../../../src/protocols/smb/errors.js";
import { filetimeToDate, dateToFiletime, toSmbPath } from "../../../../src/protocols/smb/file-info.js";

const isProtocolError = (e: unknown) => e instanceof SmbError && e.statusName === "PROTOCOL_ERROR";

describe("SMB2 wire codecs", () => {
  test("header round trip, sync and async forms (2.2.1)", () => {
    const buf = Buffer.alloc(64);
    encodeHeader(
      {
        creditCharge: 3,
        command: Command.READ,
        credits: 99,
        flags: HeaderFlags.SIGNED,
        messageId: 0x1122334455n,
        asyncId: 0n,
        treeId: 7,
        sessionId: 0xabcdefn,
      },
      buf,
    );
    assert.equal(buf.toString("hex", 0, 4), "fe534d42");
    assert.equal(buf.readUInt16LE(4), 64);
    buf.writeUInt32LE(buf.readUInt32LE(16) | HeaderFlags.SERVER_TO_REDIR, 16);
    const h = decodeHeader(buf);
    assert.deepEqual(
      [h.creditCharge, h.command, h.credits, h.messageId, h.treeId, h.sessionId],
      [3, Command.READ, 99, 0x1122334455n, 7, 0xabcdefn],
    );
    const a = Buffer.alloc(64);
    encodeHeader(
      {
        creditCharge: 0,
        command: Command.CANCEL,
        credits: 0,
        flags: HeaderFlags.ASYNC_COMMAND,
        messageId: 5n,
        asyncId: 0xdeadn,
        treeId: 0,
        sessionId: 1n,
      },
      a,
    );
    assert.equal(decodeHeader(a).asyncId, 0xdeadn);
    assert.throws(() => decodeHeader(buf.subarray(0, 40)), isProtocolError);
    const smb1 = Buffer.from(buf);
    smb1[0] = 0xff;
    assert.throws(() => decodeHeader(smb1), isProtocolError);
  });

  test("NEGOTIATE request layout with 3.1.1 contexts (2.2.3, 2.2.3.1)", () => {
    const body = encodeNegotiateRequest({
      dialects: [Dialect.SMB202, Dialect.SMB210, Dialect.SMB300, Dialect.SMB302, Dialect.SMB311],
      securityMode: 1,
      capabilities: 0x44,
      clientGuid: Buffer.alloc(16, 0xaa),
      preauthSalt: Buffer.alloc(32, 0xbb),
      ciphers: ["aes-128-gcm", "aes-256-gcm"],
      signingAlgorithms: ["aes-gmac", "aes-cmac"],
    });
    assert.equal(body.readUInt16LE(0), 36);
    assert.equal(body.readUInt16LE(2), 5);
    const ctxOffset = body.readUInt32LE(28);
    assert.equal(ctxOffset % 8, 0);
    assert.equal(body.readUInt16LE(32), 3);
    assert.deepEqual(
      [0, 1, 2, 3, 4].map((i) => body.readUInt16LE(36 + i * 2)),
      [0x202, 0x210, 0x300, 0x302, 0x311],
    );
    const ctx = body.subarray(ctxOffset - 64);
    assert.equal(ctx.readUInt16LE(0), 1); // PREAUTH_INTEGRITY
    assert.equal(ctx.readUInt16LE(2), 38);
    assert.equal(ctx.readUInt16LE(12), 1); // SHA-512
    const enc = ctx.subarray(48); // 8 + 38 padded to 8
    assert.equal(enc.readUInt16LE(0), 2);
    assert.deepEqual([enc.readUInt16LE(8), enc.readUInt16LE(10), enc.readUInt16LE(12)], [2, 2, 4]);
    // without 3.1.1: no contexts, no padding
    const old = encodeNegotiateRequest({
      dialects: [Dialect.SMB210],
      securityMode: 1,
      capabilities: 0,
      clientGuid: Buffer.alloc(16),
      preauthSalt: Buffer.alloc(0),
      ciphers: [],
      signingAlgorithms: [],
    });
    assert.equal(old.length, 38);
  });

  test("NEGOTIATE response decoder checks sizes and the preauth context", () => {
    const msg = Buffer.alloc(64 + 64);
    msg.writeUInt16LE(65, 64);
    msg.writeUInt16LE(0x0210, 68);
    msg.writeUInt32LE(8 << 20, 64 + 32);
    const r = decodeNegotiateResponse(msg);
    assert.equal(r.dialect, 0x210);
    assert.equal(r.maxReadSize, 8 << 20);
    msg.writeUInt16LE(0x0311, 68); // 3.1.1 without a preauth context is refused
    assert.throws(() => decodeNegotiateResponse(msg), isProtocolError);
    assert.throws(() => decodeNegotiateResponse(msg.subarray(0, 100)), isProtocolError);
  });

  test("CREATE request layout (2.2.13) and truncated response", () => {
    const b = encodeCreateRequest({
      name: "a\\b.txt",
      desiredAccess: Access.GENERIC_READ,
      fileAttributes: 0,
      shareAccess: 7,
      disposition: Disposition.OPEN_IF,
      options: 0x40,
    });
    assert.equal(b.readUInt16LE(0), 57);
    assert.equal(b.readUInt32LE(24), 0x80000000);
    assert.equal(b.readUInt32LE(36), 3);
    assert.equal(b.readUInt16LE(44), 120);
    assert.equal(b.subarray(56).toString("utf16le"), "a\\b.txt");
    assert.equal(
      encodeCreateRequest({ name: "", desiredAccess: 0, fileAttributes: 0, shareAccess: 0, disposition: 1, options: 0 })
        .length,
      57,
    );
    const resp = Buffer.alloc(64 + 88);
    resp.writeUInt16LE(89, 64);
    assert.throws(() => decodeCreateResponse(resp.subarray(0, 64 + 70)), isProtocolError);
  });

  test("CREATE with the QFid context (2.2.13.2.9) and its answer (2.2.14.2.9)", () => {
    const b = encodeCreateRequest({
      name: "abc",
      desiredAccess: 1,
      fileAttributes: 0,
      shareAccess: 7,
      disposition: 1,
      options: 0,
      queryOnDiskId: true,
    });
    const ctxOffset = b.readUInt32LE(48);
    assert.equal(ctxOffset % 8, 0);
    assert.equal(ctxOffset, 64 + 56 + 8); // 6 name bytes padded to 8
    assert.equal(b.readUInt32LE(52), 24);
    const ctx = b.subarray(ctxOffset - 64);
    assert.equal(ctx.readUInt16LE(4), 16);
    assert.equal(ctx.subarray(16, 20).toString("latin1"), "QFid");

    // A response with an unrelated context first, then QFid (32 bytes of data).
    const resp = Buffer.alloc(64 + 88 + 24 + 56);
    resp.writeUInt16LE(89, 64);
    const at = 64 + 88;
    resp.writeUInt32LE(at, 64 + 80);
    resp.writeUInt32LE(24 + 56, 64 + 84);
    resp.writeUInt32LE(24, at); // Next
    resp.writeUInt16LE(16, at + 4);
    resp.writeUInt16LE(4, at + 6);
    resp.write("MxAc", at + 16, "latin1");
    const q = at + 24;
    resp.writeUInt16LE(16, q + 4);
    resp.writeUInt16LE(4, q + 6);
    resp.writeUInt16LE(24, q + 10);
    resp.writeUInt32LE(32, q + 12);
    resp.write("QFid", q + 16, "latin1");
    resp.writeBigUInt64LE(0x1234n, q + 24);
    assert.equal(decodeCreateResponse(resp).diskFileId, 0x1234n);
    // Contexts pointing past the message are a protocol error, not a misread.
    resp.writeUInt32LE(4096, 64 + 84);
    assert.throws(() => decodeCreateResponse(resp), isProtocolError);
    // No contexts: no id.
    resp.writeUInt32LE(0, 64 + 80);
    resp.writeUInt32LE(0, 64 + 84);
    assert.equal(decodeCreateResponse(resp).diskFileId, undefined);
  });

  test("READ request padding and response bounds (2.2.19, 2.2.20)", () => {
    const req = encodeReadRequest({ persistent: 1n, volatile: 2n }, 4096n, 65536);
    assert.equal(req.length, 49);
    assert.equal(req[2], 0x50);
    const resp = Buffer.alloc(64 + 16 + 10);
    resp.writeUInt16LE(17, 64);
    resp.writeUInt8(80, 66);
    resp.writeUInt32LE(10, 68);
    assert.equal(decodeReadResponse(resp).length, 10);
    resp.writeUInt32LE(11, 68); // claims more than present
    assert.throws(() => decodeReadResponse(resp), isProtocolError);
  });

  test("FileIdBothDirectoryInformation entries (MS-FSCC 2.4.17)", () => {
    const entry = (name: string, last: boolean) => {
      const n = Buffer.from(name, "utf16le");
      const e = Buffer.alloc((104 + n.length + 7) & ~7);
      e.writeUInt32LE(last ? 0 : e.length, 0);
      e.writeBigUInt64LE(132000000000000000n, 24);
      e.writeBigUInt64LE(42n, 40);
      e.writeUInt32LE(0x22, 56);
      e.writeUInt32LE(n.length, 60);
      e.writeBigUInt64LE(777n, 96);
      n.copy(e, 104);
      return e;
    };
    const buf = Buffer.concat([entry("first.txt", false), entry("ß✓", true)]);
    const out = decodeFileIdBothDirectoryInformation(buf);
    assert.deepEqual(
      out.map((e) => [e.name, e.endOfFile, e.fileAttributes, e.fileId]),
      [
        ["first.txt", 42n, 0x22, 777n],
        ["ß✓", 42n, 0x22, 777n],
      ],
    );
    const bad = Buffer.from(buf);
    bad.writeUInt32LE(10_000, 0); // NextEntryOffset past the end
    assert.throws(() => decodeFileIdBothDirectoryInformation(bad), isProtocolError);
    // FILE_ATTRIBUTE_REPARSE_POINT: EaSize carries the reparse tag.
    const link = entry("link", true);
    link.writeUInt32LE(0x400 | 0x10, 56);
    link.writeUInt32LE(0xa000000c, 64);
    const ea = entry("plain", true);
    ea.writeUInt32LE(123, 64);
    assert.deepEqual(
      decodeFileIdBothDirectoryInformation(link).map((e) => e.reparseTag),
      [0xa000000c],
    );
    assert.deepEqual(
      decodeFileIdBothDirectoryInformation(ea).map((e) => e.reparseTag),
      [undefined],
      "EaSize of an ordinary item is no tag",
    );
  });

  test("FileAllInformation, FILE_NOTIFY_INFORMATION and FileRenameInformation", () => {
    const all = Buffer.alloc(100);
    all.writeUInt32LE(0x10, 32);
    all.writeBigUInt64LE(5n, 48);
    all[61] = 1;
    all.writeBigUInt64LE(99n, 64);
    const d = decodeFileAllInformation(all);
    assert.deepEqual([d.fileAttributes, d.endOfFile, d.directory, d.fileId, d.name], [0x10, 5n, true, 99n, ""]);
    const named = Buffer.concat([all, Buffer.from("\\dir\\aux.txt", "utf16le")]);
    named.writeUInt32LE(Buffer.byteLength("\\dir\\aux.txt", "utf16le"), 96);
    assert.equal(decodeFileAllInformation(named).name, "\\dir\\aux.txt");
    assert.equal(
      decodeFileAllInformation(named.subarray(0, 110)).name,
      undefined,
      "a name the buffer cut off is left out",
    );
    assert.equal(decodeFileAllInformation(all.subarray(0, 72)).name, undefined);
    assert.throws(() => decodeFileAllInformation(all.subarray(0, 60)), isProtocolError);
    const n = Buffer.alloc(12 + 8);
    n.writeUInt32LE(1, 4);
    n.writeUInt32LE(8, 8);
    n.write("a.tx", 12, "utf16le");
    assert.deepEqual(decodeFileNotifyInformation(n), [{ action: 1, name: "a.tx" }]);
    const r = encodeFileRenameInformation("dir\\new.txt", true);
    assert.equal(r[0], 1);
    assert.equal(r.readUInt32LE(16), 22);
    assert.equal(r.subarray(20).toString("utf16le"), "dir\\new.txt");
  });

  test("NTSTATUS names and classification", () => {
    assert.equal(ntStatusName(NtStatus.LOGON_FAILURE), "STATUS_LOGON_FAILURE");
    assert.equal(ntStatusName(0xc0001234), "0xc0001234");
    assert.equal(classifyStatus(NtStatus.ACCOUNT_LOCKED_OUT), "auth");
    assert.equal(classifyStatus(NtStatus.PASSWORD_EXPIRED), "auth");
    assert.equal(classifyStatus(NtStatus.OBJECT_PATH_NOT_FOUND), "not_found");
    assert.equal(classifyStatus(NtStatus.SHARING_VIOLATION), "sharing_violation");
    assert.equal(classifyStatus(NtStatus.ACCESS_DENIED), "access_denied");
    assert.equal(classifyStatus(NtStatus.NETWORK_SESSION_EXPIRED), "unreachable");
    assert.equal(classifyStatus(NtStatus.DISK_FULL), "other");
    const e = SmbError.fromStatus(NtStatus.OBJECT_NAME_COLLISION, "CREATE x");
    assert.deepEqual([e.kind, e.statusName, e.status], ["exists", "STATUS_OBJECT_NAME_COLLISION", 0xc0000035]);
  });

  test("FILETIME conversion and path normalisation", () => {
    const d = new Date("2024-05-06T07:08:09.123Z");
    assert.equal(filetimeToDate(dateToFiletime(d)).toISOString(), d.toISOString());
    assert.equal(dateToFiletime(new Date(0)), 116444736000000000n);
    assert.equal(toSmbPath("/a//b/./c/"), "a\\b\\c");
    assert.equal(toSmbPath("\\x\\y"), "x\\y");
    assert.equal(toSmbPath("/"), "");
  });
});
