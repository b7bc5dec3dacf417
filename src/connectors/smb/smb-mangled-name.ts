/**
 * Samba's mangled names. With its default `mangled names = illegal`, Samba lists a name that
 * Windows clients cannot hold — a reserved device name (`aux.txt`, `CON`, `lpt1.log`), a trailing
 * dot or space, a character such as `:` — under an 8.3 alias built from a hash of the name
 * (`mangling method = hash2`: `AHY9U3~9.TXT` for `aux.txt`, `TQEBZE~2` for `trailing dot.`):
 * six characters, "~", one base-36 character, then "." and up to three characters of the
 * extension. The alias reaches the item in every request (open, rename, rename-over), and the
 * same name always gives the same alias; asked for the item's stored name (FileAllInformation),
 * Samba answers with the real one.
 *
 * The form only picks the listed names worth asking about: a real file may be called
 * `ABCDEF~1.TXT`, and then the server answers with that very name.
 */

// Samba's is_mangled_component (hash2): 8 characters, "~" at index 6, a base-36 character after
// it, an optional "." plus 1–3 ASCII characters. The prefix is ASCII (`mangle prefix` of it is
// taken from the real name, the rest is hash).
const MANGLED = /^[\x21-\x2d\x2f-\x7e]{6}~[0-9A-Z](?:\.[\x21-\x7e]{1,3})?$/;

export function looksLikeSambaMangledName(name: string): boolean {
  return MANGLED.test(name);
}
