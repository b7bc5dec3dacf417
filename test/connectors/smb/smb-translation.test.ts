/**
 * The two pure tables of the SMB adapter: SmbError kinds → RemoteError kinds, and security
 * descriptors → RemoteAcl for the cases a live Samba rarely produces (NULL and empty DACLs,
 * callback ACEs, generic rights, unknown SIDs). Samba-backed cases are in smb-remote.test.ts.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { SmbError, NtStatus, classifyStatus, type SmbErrorKind } from "../../../src/protocols/smb/index.js";
import {
  AceFlag,
  AceType,
  SdControl,
  decodeSecurityDescriptor,
  encodeSecurityDescriptor,
  type Ace,
  type SecurityDescriptor,
} from "../../../src/protocols/smb/security/index.js";
import type { ResolvedAccount } from "../../../src/protocols/smb/rpc/index.js";
import { toRemoteError, remoteKindOf } from "../../../src/connectors/smb/smb-error-mapping.js";
import { translateSecurityDescriptor } from "../../../src/connectors/smb/smb-acl-translation.js";
import { RemoteError } from "../../../src/sync/remote-errors.js";

describe("SmbError → RemoteError", () => {
  test("every SMB kind maps as documented; statuses keep their name in the message", () => {
    const expected: Record<SmbErrorKind, string> = {
      auth: "auth",
      unreachable: "unreachable",
      not_found: "not_found",
      access_denied: "access_denied",
      sharing_violation: "locked",
      exists: "exists",
      not_empty: "precondition_failed",
      invalid_name: "invalid_name",
      other: "other",
    };
    for (const [smb, remote] of Object.entries(expected)) assert.equal(remoteKindOf(smb as SmbErrorKind), remote, smb);
    const cases: Array<[number, string]> = [
      [NtStatus.LOGON_FAILURE, "auth"],
      [NtStatus.OBJECT_NAME_NOT_FOUND, "not_found"],
      [NtStatus.SHARING_VIOLATION, "locked"],
      [NtStatus.DIRECTORY_NOT_EMPTY, "precondition_failed"],
      [NtStatus.OBJECT_NAME_COLLISION, "exists"],
      [NtStatus.OBJECT_NAME_INVALID, "invalid_name"],
      [NtStatus.DISK_FULL, "other"],
    ];
    for (const [status, kind] of cases) {
      const err = toRemoteError(SmbError.fromStatus(status, "CREATE a\\b.txt"), "a/b.txt");
      assert.ok(err instanceof RemoteError);
      assert.equal(err.kind, kind, `${classifyStatus(status)} → ${kind}`);
      assert.equal(err.path, "a/b.txt");
      assert.match(err.message, /STATUS_/);
      assert.ok(err.cause instanceof SmbError);
    }
    const down = toRemoteError(SmbError.unreachable("SMB server closed the connection"));
    assert.equal(down.kind, "unreachable");
    assert.equal(down.retryable, true);
    const same = new RemoteError("locked", "x");
    assert.equal(toRemoteError(same), same);
    assert.equal(toRemoteError(new TypeError("boom")).kind, "other");
  });
});

describe("security descriptor → RemoteAcl", () => {
  const USER = "S-1-5-21-10-20-30-1001";
  const GROUP = "S-1-5-21-10-20-30-2001";
  const accounts = new Map<string, ResolvedAccount | null>([
    [USER, { sid: USER, domain: "CORP", name: "alice", type: "user" }],
    [GROUP, { sid: GROUP, domain: "CORP", name: "finance", type: "group" }],
    ["S-1-1-0", { sid: "S-1-1-0", domain: "", name: "Everyone", type: "well_known_group" }],
    ["S-1-5-21-9-9-9-9", null],
  ]);
  const ace = (type: number, flags: number, mask: number, sid: string): Ace => ({
    type,
    typeName: "",
    kind: "other",
    flags,
    mask,
    sid,
  });
  /** Round-trips through the real codec so the translation sees what a server would send. */
  const sd = (control: number, aces?: Ace[]): SecurityDescriptor =>
    decodeSecurityDescriptor(
      encodeSecurityDescriptor({
        revision: 1,
        control: control | SdControl.SELF_RELATIVE,
        owner: USER,
        dacl: aces && { revision: 2, aces },
      }),
    );

  test("a NULL DACL grants Everyone everything; an empty DACL grants nothing", () => {
    const none = translateSecurityDescriptor(sd(SdControl.DACL_PRESENT), accounts);
    assert.deepEqual(none, {
      owner: "CORP\\alice",
      inherit: true,
      entries: [
        {
          principal: "Everyone",
          principalType: "group",
          permissions: ["READ", "WRITE", "DELETE", "MANAGE_PERMISSIONS"],
        },
      ],
    });
    assert.deepEqual(translateSecurityDescriptor(sd(0, []), accounts).entries, []);
  });

  test("generic rights, deny, inherited, inherit-only and callback ACEs; protected DACL", () => {
    const acl = translateSecurityDescriptor(
      sd(SdControl.DACL_PROTECTED, [
        ace(AceType.ACCESS_DENIED, 0, 0x00000002, GROUP),
        ace(AceType.ACCESS_ALLOWED, AceFlag.INHERITED, 0x80000000, GROUP),
        ace(AceType.ACCESS_ALLOWED, 0, 0x10000000, USER),
        ace(AceType.ACCESS_ALLOWED, AceFlag.OBJECT_INHERIT | AceFlag.INHERIT_ONLY, 0x001f01ff, "S-1-3-0"),
        ace(AceType.ACCESS_ALLOWED, 0, 0x00000040 | 0x00000020, "S-1-1-0"),
        ace(AceType.ACCESS_ALLOWED, 0, 0x00040000 | 0x00000001, "S-1-5-21-9-9-9-9"),
        ace(AceType.ACCESS_ALLOWED_CALLBACK, 0, 0x001f01ff, "S-1-1-0"),
      ]),
      accounts,
    );
    assert.equal(acl.inherit, false);
    assert.deepEqual(acl.entries, [
      { principal: "CORP\\finance", principalType: "group", permissions: ["WRITE"], inherited: false, deny: true },
      { principal: "CORP\\finance", principalType: "group", permissions: ["READ"], inherited: true },
      {
        principal: "CORP\\alice",
        principalType: "user",
        permissions: ["READ", "WRITE", "DELETE", "MANAGE_PERMISSIONS"],
        inherited: false,
      },
      {
        principal: "S-1-5-21-9-9-9-9",
        principalType: "unknown",
        permissions: ["READ", "MANAGE_PERMISSIONS"],
        inherited: false,
      },
    ]);
  });
});
