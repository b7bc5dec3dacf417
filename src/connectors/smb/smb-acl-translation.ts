/**
 * Translates a Windows security descriptor into the engine's abstract {@link RemoteAcl}.
 *
 * Access mask → ScaiDrive permission (after GENERIC_* bits are mapped to file rights, so an ACE
 * written as GENERIC_ALL reads like FULL):
 *
 * | SMB right(s) in the ACE mask | permission |
 * |---|---|
 * | FILE_READ_DATA (read a file / list a folder) | `READ` |
 * | FILE_WRITE_DATA or FILE_APPEND_DATA (change a file / add files or sub-folders) | `WRITE` |
 * | DELETE (delete the item itself) | `DELETE` |
 * | WRITE_DAC (change permissions) | `MANAGE_PERMISSIONS` |
 *
 * So smbcacls' READ (0x1200a9) is `READ`; CHANGE (0x1301bf) is `READ, WRITE, DELETE`; FULL
 * (0x1f01ff) adds `MANAGE_PERMISSIONS`. FILE_DELETE_CHILD, WRITE_OWNER, execute/traverse,
 * attribute and EA bits have no ScaiDrive counterpart and are ignored.
 *
 * Which ACEs become entries:
 * - ACCESS_ALLOWED → an entry; ACCESS_DENIED → an entry with `deny: true` (order kept, deny
 *   ACEs first as Windows stores them). Audit, object and callback (conditional) ACEs are skipped.
 * - INHERIT_ONLY ACEs do not apply to the item itself (only to its future children) and are
 *   skipped; `CREATOR OWNER` templates are always such ACEs.
 * - An ACE whose mask maps to no permission (e.g. a deny of FILE_DELETE_CHILD alone) is skipped.
 * - `inherited` is the ACE's INHERITED_ACE flag; `inherit` is false when the descriptor has
 *   SE_DACL_PROTECTED (inheritance broken on this item).
 * - A NULL DACL (no DACL at all) grants everyone everything: one `Everyone` entry with all four
 *   permissions. An empty DACL grants nothing: no entries.
 *
 * Principals are `DOMAIN\name` as LSARPC names them (`name` alone for domain-less accounts such as
 * `Everyone`); a SID the server cannot map stays as its `S-1-…` string with type `unknown`.
 */
import {
  AceFlag,
  SdControl,
  hasNullDacl,
  mapGenericMask,
  FileAccess,
  type SecurityDescriptor,
} from "../../protocols/smb/security/index.js";
import { formatAccount, type ResolvedAccount } from "../../protocols/smb/rpc/index.js";
import type { AclEntry, RemoteAcl } from "../../sync/remote.js";

export const SMB_PERMISSION_BITS: ReadonlyArray<{ permission: string; mask: number }> = [
  { permission: "READ", mask: FileAccess.FILE_READ_DATA },
  { permission: "WRITE", mask: FileAccess.FILE_WRITE_DATA | FileAccess.FILE_APPEND_DATA },
  { permission: "DELETE", mask: FileAccess.DELETE },
  { permission: "MANAGE_PERMISSIONS", mask: FileAccess.WRITE_DAC },
];

/** The abstract permissions an access mask grants (or denies), in table order. */
export function permissionsOfMask(mask: number): string[] {
  const m = mapGenericMask(mask);
  return SMB_PERMISSION_BITS.filter((p) => (m & p.mask) !== 0).map((p) => p.permission);
}

function principalTypeOf(account: ResolvedAccount | null | undefined): AclEntry["principalType"] {
  switch (account?.type) {
    case "user":
    case "computer":
      return "user";
    case "group":
    case "alias":
    case "well_known_group":
      return "group";
    default:
      return "unknown";
  }
}

function nameOf(sid: string, accounts: ReadonlyMap<string, ResolvedAccount | null>): string {
  const a = accounts.get(sid);
  return a ? formatAccount(a) : sid;
}

/** See the module comment for the rules; `accounts` maps each SID of `sd` to its account (or null). */
export function translateSecurityDescriptor(
  sd: SecurityDescriptor,
  accounts: ReadonlyMap<string, ResolvedAccount | null>,
): RemoteAcl {
  const inherit = (sd.control & SdControl.DACL_PROTECTED) === 0;
  const owner = sd.owner ? nameOf(sd.owner, accounts) : undefined;
  if (hasNullDacl(sd)) {
    return {
      owner,
      inherit,
      entries: [
        { principal: "Everyone", principalType: "group", permissions: SMB_PERMISSION_BITS.map((p) => p.permission) },
      ],
    };
  }
  const entries: AclEntry[] = [];
  for (const ace of sd.dacl?.aces ?? []) {
    if ((ace.kind !== "allow" && ace.kind !== "deny") || ace.sid === undefined) continue;
    if (ace.flags & AceFlag.INHERIT_ONLY) continue;
    const permissions = permissionsOfMask(ace.mask);
    if (permissions.length === 0) continue;
    const entry: AclEntry = {
      principal: nameOf(ace.sid, accounts),
      principalType: principalTypeOf(accounts.get(ace.sid)),
      permissions,
      inherited: (ace.flags & AceFlag.INHERITED) !== 0,
    };
    if (ace.kind === "deny") entry.deny = true;
    entries.push(entry);
  }
  return { owner, inherit, entries };
}
