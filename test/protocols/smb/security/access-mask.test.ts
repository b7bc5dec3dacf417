import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  FILE_ALL_ACCESS,
  FILE_GENERIC_EXECUTE,
  FILE_GENERIC_READ,
  FILE_GENERIC_WRITE,
  FileAccess,
  SMBCACLS_CHANGE,
  SMBCACLS_READ,
  accessMaskNames,
  mapGenericMask,
  summarizeAccessMask,
} from "../../../../src/protocols/smb/security/index.js";

describe("access masks (MS-DTYP 2.4.3)", () => {
  test("composite rights have the winnt.h / smbcacls values", () => {
    assert.equal(FILE_GENERIC_READ, 0x120089);
    assert.equal(FILE_GENERIC_WRITE, 0x120116);
    assert.equal(FILE_GENERIC_EXECUTE, 0x1200a0);
    assert.equal(FILE_ALL_ACCESS, 0x1f01ff);
    assert.equal(SMBCACLS_READ, 0x1200a9);
    assert.equal(SMBCACLS_CHANGE, 0x1301bf);
  });

  test("generic bits map to file rights", () => {
    assert.equal(mapGenericMask(FileAccess.GENERIC_ALL), FILE_ALL_ACCESS);
    assert.equal(mapGenericMask(FileAccess.GENERIC_READ | FileAccess.GENERIC_EXECUTE), SMBCACLS_READ);
    assert.equal(mapGenericMask(FileAccess.GENERIC_WRITE | FileAccess.DELETE), FILE_GENERIC_WRITE | FileAccess.DELETE);
  });

  test("summary levels", () => {
    assert.equal(summarizeAccessMask(0x1f01ff).level, "full");
    assert.equal(summarizeAccessMask(FileAccess.GENERIC_ALL).level, "full");
    assert.equal(summarizeAccessMask(SMBCACLS_CHANGE).level, "change");
    assert.equal(summarizeAccessMask(SMBCACLS_READ).level, "read");
    assert.equal(summarizeAccessMask(FileAccess.GENERIC_READ).level, "read");
    assert.equal(summarizeAccessMask(FileAccess.FILE_APPEND_DATA).level, "write");
    assert.equal(summarizeAccessMask(FileAccess.READ_CONTROL | FileAccess.SYNCHRONIZE).level, "none");
    const s = summarizeAccessMask(SMBCACLS_CHANGE);
    assert.deepEqual(
      {
        read: s.read,
        write: s.write,
        delete: s.delete,
        dac: s.changePermissions,
        own: s.takeOwnership,
        full: s.fullControl,
      },
      { read: true, write: true, delete: true, dac: false, own: false, full: false },
    );
    assert.equal(summarizeAccessMask(0x1f01ff).changePermissions, true);
  });

  test("names of set bits, unknown bits in hex", () => {
    assert.deepEqual(accessMaskNames(0x1200a9), [
      "FILE_READ_DATA",
      "FILE_READ_EA",
      "FILE_EXECUTE",
      "FILE_READ_ATTRIBUTES",
      "READ_CONTROL",
      "SYNCHRONIZE",
    ]);
    assert.deepEqual(accessMaskNames(0x8000_0000 | 0x0000_0400), ["GENERIC_READ", "0x00000400"]);
    assert.deepEqual(accessMaskNames(0), []);
  });
});
