import { randomBytes, randomUUID } from "node:crypto";

const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/**
 * SharePoint driveItem ids look like `01BYE5RZ6QN3ZWBTUFOFD3GSPGOHDJD36K`: "01" then 32
 * base32 characters. Opaque to clients; only the shape is mimicked.
 */
export function newItemId(): string {
  const bytes = randomBytes(32);
  let out = "01";
  for (let i = 0; i < 32; i++) out += BASE32[bytes[i] & 31];
  return out;
}

/** Upper-case GUID without braces; eTag/cTag wrap it as `"{GUID},N"`. */
export function newGuid(): string {
  return randomUUID().toUpperCase();
}

/** Drive ids are `b!` plus 64 base64url characters. */
export function newDriveId(): string {
  return "b!" + randomBytes(48).toString("base64url");
}

/** Site ids are `{hostname},{site-collection guid},{web guid}` (lower-case GUIDs). */
export function newSiteId(hostname: string): string {
  return `${hostname},${randomUUID()},${randomUUID()}`;
}

export function newOpaqueToken(): string {
  return randomBytes(24).toString("base64url");
}

/** Graph timestamps on items have second precision. */
export function isoSeconds(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, "Z");
}

export function nowSeconds(): Date {
  return new Date(Math.floor(Date.now() / 1000) * 1000);
}
