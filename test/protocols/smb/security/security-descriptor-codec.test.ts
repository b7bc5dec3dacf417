import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  AceFlag,
  AceType,
  SdControl,
  SecurityDecodeError,
  aceInheritance,
  controlFlagNames,
  decodeAcl,
  decodeSecurityDescriptor,
  encodeAcl,
  encodeSecurityDescriptor,
  hasNullDacl,
  type SecurityDescriptor,
} from "../../../../src/protocols/smb/security/index.js";

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ""), "hex");

/** O:BAG:SYD:(A;;FA;;;WD) laid out by hand from MS-DTYP 2.4.6 / 2.4.5 / 2.4.4.2. */
const SD_BA_SY_WD_FA = hex(`
  01 00 04 80  14000000 24000000 00000000 30000000
  01 02 000000000005 20000000 20020000
  01 01 000000000005 12000000
  02 00 1c00 0100 0000
  00 03 1400 ff011f00 01 01 000000000001 00000000
`);

/** An ACCESS_ALLOWED_OBJECT ACE (MS-DTYP 2.4.4.3) with ObjectType present, for S-1-5-11. */
const OBJECT_ACE = hex(`
  05 00 2800 10000000 01000000
  78563412 3412 cdab ef00 0123456789ab
  01 01 000000000005 0b000000
`);

describe("security descriptor codec (MS-DTYP 2.4.6)", () => {
  test("decodes a hand-built descriptor", () => {
    const sd = decodeSecurityDescriptor(SD_BA_SY_WD_FA);
    assert.equal(sd.control, SdControl.SELF_RELATIVE | SdControl.DACL_PRESENT);
    assert.deepEqual(controlFlagNames(sd.control), ["DACL_PRESENT", "SELF_RELATIVE"]);
    assert.equal(sd.owner, "S-1-5-32-544");
    assert.equal(sd.group, "S-1-5-18");
    assert.equal(sd.sacl, undefined);
    assert.equal(sd.dacl?.revision, 2);
    assert.equal(sd.dacl?.aces.length, 1);
    const ace = sd.dacl!.aces[0];
    assert.equal(ace.kind, "allow");
    assert.equal(ace.typeName, "ACCESS_ALLOWED");
    assert.equal(ace.mask, 0x1f01ff);
    assert.equal(ace.sid, "S-1-1-0");
    assert.deepEqual(aceInheritance(ace.flags), {
      objectInherit: true,
      containerInherit: true,
      noPropagateInherit: false,
      inheritOnly: false,
      inherited: false,
    });
  });

  test("encodes the same bytes from fields alone", () => {
    const sd: SecurityDescriptor = {
      revision: 1,
      control: 0,
      owner: "S-1-5-32-544",
      group: "S-1-5-18",
      dacl: {
        revision: 2,
        aces: [
          {
            type: AceType.ACCESS_ALLOWED,
            typeName: "ACCESS_ALLOWED",
            kind: "allow",
            flags: AceFlag.OBJECT_INHERIT | AceFlag.CONTAINER_INHERIT,
            mask: 0x1f01ff,
            sid: "S-1-1-0",
          },
        ],
      },
    };
    assert.deepEqual(encodeSecurityDescriptor(sd), SD_BA_SY_WD_FA);
  });

  test("deny, inherited, inherit-only and object ACEs; byte-exact round trip", () => {
    const aclBytes = Buffer.concat([
      hex("04 00 0000 0300 0000"),
      // deny FILE_GENERIC_WRITE to Everyone, INHERITED + NO_PROPAGATE
      hex("01 14 1400 16011200 01 01 000000000001 00000000"),
      OBJECT_ACE,
      hex("00 0b 1400 00000010 01 01 000000000003 00000000"), // allow GENERIC_ALL to CREATOR OWNER, OI|CI|IO
    ]);
    aclBytes.writeUInt16LE(aclBytes.length, 2);
    const acl = decodeAcl(aclBytes, 0);
    assert.equal(acl.revision, 4);
    const [deny, obj, creator] = acl.aces;
    assert.equal(deny.kind, "deny");
    assert.equal(deny.flags, AceFlag.INHERITED | AceFlag.NO_PROPAGATE_INHERIT);
    assert.equal(deny.mask, 0x120116);
    assert.equal(obj.kind, "other");
    assert.equal(obj.typeName, "ACCESS_ALLOWED_OBJECT");
    assert.equal(obj.objectType, "12345678-1234-abcd-ef00-0123456789ab");
    assert.equal(obj.sid, "S-1-5-11");
    assert.equal(creator.sid, "S-1-3-0");
    assert.deepEqual(aceInheritance(creator.flags), {
      objectInherit: true,
      containerInherit: true,
      noPropagateInherit: false,
      inheritOnly: true,
      inherited: false,
    });
    assert.deepEqual(encodeAcl(acl), aclBytes);
  });

  test("unknown ACE type is kept raw and skipped by kind", () => {
    const aclBytes = hex("02 00 2400 0200 0000  7f 00 0800 01020304  00 00 1400 a9001200 01 01 000000000001 00000000");
    const acl = decodeAcl(aclBytes, 0);
    assert.equal(acl.aces[0].kind, "other");
    assert.equal(acl.aces[0].sid, undefined);
    assert.equal(acl.aces[1].sid, "S-1-1-0");
    assert.deepEqual(encodeAcl(acl), aclBytes);
  });

  test("NULL DACL vs empty DACL", () => {
    const nullDacl = decodeSecurityDescriptor(hex("01 00 04 80 00000000 00000000 00000000 00000000"));
    assert.equal(hasNullDacl(nullDacl), true);
    assert.deepEqual(encodeSecurityDescriptor(nullDacl), hex("01 00 04 80 00000000 00000000 00000000 00000000"));
    const empty = decodeSecurityDescriptor(hex("01 00 04 80 00000000 00000000 00000000 14000000 02 00 0800 0000 0000"));
    assert.equal(hasNullDacl(empty), false);
    assert.deepEqual(empty.dacl, { revision: 2, aces: [] });
  });

  test("owner-only descriptor (what a query for OWNER alone returns)", () => {
    const sd = decodeSecurityDescriptor(
      hex("01 00 00 80 14000000 00000000 00000000 00000000 01 01 000000000005 12000000"),
    );
    assert.deepEqual(sd, { revision: 1, control: 0x8000, owner: "S-1-5-18" });
  });

  test("malformed descriptors throw SecurityDecodeError with an offset", () => {
    const cases: [string, Buffer][] = [
      ["short header", SD_BA_SY_WD_FA.subarray(0, 19)],
      ["revision", Buffer.concat([hex("02"), SD_BA_SY_WD_FA.subarray(1)])],
      ["absolute", Buffer.concat([hex("01 00 04 00"), SD_BA_SY_WD_FA.subarray(4)])],
      ["truncated DACL", SD_BA_SY_WD_FA.subarray(0, SD_BA_SY_WD_FA.length - 1)],
      ["owner offset past end", patch32(SD_BA_SY_WD_FA, 4, 500)],
      ["owner offset inside header", patch32(SD_BA_SY_WD_FA, 4, 4)],
      ["ACE count too large", patch16(SD_BA_SY_WD_FA, 0x30 + 4, 9)],
      ["ACE size below 8", patch16(SD_BA_SY_WD_FA, 0x38 + 2, 4)],
      ["ACE size past ACL", patch16(SD_BA_SY_WD_FA, 0x38 + 2, 0x40)],
    ];
    for (const [name, buf] of cases) {
      assert.throws(
        () => decodeSecurityDescriptor(buf),
        (e: unknown) => e instanceof SecurityDecodeError && typeof e.offset === "number",
        name,
      );
    }
  });
});

function patch32(b: Buffer, at: number, v: number): Buffer {
  const c = Buffer.from(b);
  c.writeUInt32LE(v, at);
  return c;
}
function patch16(b: Buffer, at: number, v: number): Buffer {
  const c = Buffer.from(b);
  c.writeUInt16LE(v, at);
  return c;
}
