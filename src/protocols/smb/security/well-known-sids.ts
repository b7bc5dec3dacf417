import { splitRid, type SidString } from "./sid-codec.js";

/**
 * Well-known SIDs (MS-DTYP 2.4.2.4) with the names Windows shows for them, so descriptors can be
 * displayed without a round trip to the server. Domain-relative accounts (Administrator = RID
 * 500 etc.) are recognised by RID under any S-1-5-21 domain but carry no domain name; LSARPC is
 * the authority for those.
 */
export interface WellKnownSid {
  sid: SidString;
  domain: string;
  name: string;
}

export const WELL_KNOWN_SIDS = {
  NULL: "S-1-0-0",
  EVERYONE: "S-1-1-0",
  LOCAL: "S-1-2-0",
  CREATOR_OWNER: "S-1-3-0",
  CREATOR_GROUP: "S-1-3-1",
  OWNER_RIGHTS: "S-1-3-4",
  NETWORK: "S-1-5-2",
  BATCH: "S-1-5-3",
  INTERACTIVE: "S-1-5-4",
  SERVICE: "S-1-5-6",
  ANONYMOUS: "S-1-5-7",
  SELF: "S-1-5-10",
  AUTHENTICATED_USERS: "S-1-5-11",
  SYSTEM: "S-1-5-18",
  LOCAL_SERVICE: "S-1-5-19",
  NETWORK_SERVICE: "S-1-5-20",
  BUILTIN: "S-1-5-32",
  BUILTIN_ADMINISTRATORS: "S-1-5-32-544",
  BUILTIN_USERS: "S-1-5-32-545",
  BUILTIN_GUESTS: "S-1-5-32-546",
  BUILTIN_POWER_USERS: "S-1-5-32-547",
  BUILTIN_BACKUP_OPERATORS: "S-1-5-32-551",
  UNIX_USERS: "S-1-22-1",
  UNIX_GROUPS: "S-1-22-2",
} as const;

const FIXED: Record<string, { domain: string; name: string }> = {
  "S-1-0-0": { domain: "", name: "NULL SID" },
  "S-1-1-0": { domain: "", name: "Everyone" },
  "S-1-2-0": { domain: "", name: "LOCAL" },
  "S-1-3-0": { domain: "", name: "CREATOR OWNER" },
  "S-1-3-1": { domain: "", name: "CREATOR GROUP" },
  "S-1-3-4": { domain: "", name: "OWNER RIGHTS" },
  "S-1-5-1": { domain: "NT AUTHORITY", name: "DIALUP" },
  "S-1-5-2": { domain: "NT AUTHORITY", name: "NETWORK" },
  "S-1-5-3": { domain: "NT AUTHORITY", name: "BATCH" },
  "S-1-5-4": { domain: "NT AUTHORITY", name: "INTERACTIVE" },
  "S-1-5-6": { domain: "NT AUTHORITY", name: "SERVICE" },
  "S-1-5-7": { domain: "NT AUTHORITY", name: "ANONYMOUS LOGON" },
  "S-1-5-9": { domain: "NT AUTHORITY", name: "ENTERPRISE DOMAIN CONTROLLERS" },
  "S-1-5-10": { domain: "NT AUTHORITY", name: "SELF" },
  "S-1-5-11": { domain: "NT AUTHORITY", name: "Authenticated Users" },
  "S-1-5-12": { domain: "NT AUTHORITY", name: "RESTRICTED" },
  "S-1-5-18": { domain: "NT AUTHORITY", name: "SYSTEM" },
  "S-1-5-19": { domain: "NT AUTHORITY", name: "LOCAL SERVICE" },
  "S-1-5-20": { domain: "NT AUTHORITY", name: "NETWORK SERVICE" },
  "S-1-5-32": { domain: "BUILTIN", name: "BUILTIN" },
  "S-1-5-32-544": { domain: "BUILTIN", name: "Administrators" },
  "S-1-5-32-545": { domain: "BUILTIN", name: "Users" },
  "S-1-5-32-546": { domain: "BUILTIN", name: "Guests" },
  "S-1-5-32-547": { domain: "BUILTIN", name: "Power Users" },
  "S-1-5-32-548": { domain: "BUILTIN", name: "Account Operators" },
  "S-1-5-32-549": { domain: "BUILTIN", name: "Server Operators" },
  "S-1-5-32-550": { domain: "BUILTIN", name: "Print Operators" },
  "S-1-5-32-551": { domain: "BUILTIN", name: "Backup Operators" },
  "S-1-5-32-552": { domain: "BUILTIN", name: "Replicator" },
  "S-1-5-32-555": { domain: "BUILTIN", name: "Remote Desktop Users" },
  "S-1-22-1": { domain: "Unix User", name: "Unix User" },
  "S-1-22-2": { domain: "Unix Group", name: "Unix Group" },
};

/** Well-known RIDs under an account domain (S-1-5-21-x-y-z-RID), MS-DTYP 2.4.2.4. */
const DOMAIN_RIDS: Record<number, string> = {
  500: "Administrator",
  501: "Guest",
  502: "krbtgt",
  512: "Domain Admins",
  513: "Domain Users",
  514: "Domain Guests",
  515: "Domain Computers",
  516: "Domain Controllers",
  519: "Enterprise Admins",
};

/**
 * Name of a well-known SID, or null. Domain-relative RIDs come back with `domain: ""` since the
 * domain's name is only known to the server.
 */
export function wellKnownSidName(sid: SidString): WellKnownSid | null {
  const fixed = FIXED[sid];
  if (fixed) return { sid, ...fixed };
  if (sid.startsWith("S-1-5-21-")) {
    const split = splitRid(sid);
    const name = split && split.domainSid.split("-").length === 7 ? DOMAIN_RIDS[split.rid] : undefined;
    if (name) return { sid, domain: "", name };
  }
  return null;
}
