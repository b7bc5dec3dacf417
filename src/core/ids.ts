import { ulid } from "ulid";

/** Type prefixes of every id ScaiDrive hands out (design §5). */
export type IdPrefix = "usr" | "grp" | "tok" | "shr" | "fil" | "ver" | "cnn" | "job" | "map" | "alr";

/** A new id: the type prefix, an underscore and a ULID (time-ordered, so ids sort by creation). */
export function newId(prefix: IdPrefix): string {
  return `${prefix}_${ulid()}`;
}

export function hasPrefix(id: string, prefix: IdPrefix): boolean {
  return id.startsWith(`${prefix}_`) && id.length === prefix.length + 27;
}
