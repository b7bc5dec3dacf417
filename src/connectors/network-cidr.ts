/**
 * IP addresses and CIDR networks as the connector network policy reads them.
 *
 * An IPv6 address that carries an IPv4 address — IPv4-mapped `::ffff:a.b.c.d` (`::ffff:7f00:1`)
 * or the deprecated IPv4-compatible `::a.b.c.d` — reaches that IPv4 host, so it is matched as the
 * IPv4 address ({@link canonicalAddress}); `::` and `::1` stay IPv6 (unspecified, loopback).
 * Zone ids (`fe80::1%eth0`) and URL brackets (`[::1]`) are dropped before matching.
 */
import { isIP, isIPv4, isIPv6 } from "node:net";

export type IpFamily = "ipv4" | "ipv6";

/** One network: the address as written (canonical form) and its prefix length. */
export interface Cidr {
  network: string;
  prefix: number;
  family: IpFamily;
}

/** The eight 16-bit groups of a valid IPv6 address (without zone id). */
function ipv6Groups(address: string): number[] {
  let s = address;
  const quad = /(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (quad) {
    const [a, b, c, d] = quad.slice(1).map(Number);
    s = `${s.slice(0, quad.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = s.split("::") as [string, string | undefined];
  const h = head === "" ? [] : head.split(":");
  const t = tail === undefined ? [] : tail === "" ? [] : tail.split(":");
  const parts = tail === undefined ? h : [...h, ...new Array<string>(8 - h.length - t.length).fill("0"), ...t];
  return parts.map((p) => parseInt(p, 16));
}

function ipv4FromGroups(hi: number, lo: number): string {
  return `${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`;
}

/**
 * The address a connection to `address` actually reaches, in canonical form: IPv4 dotted quad,
 * or IPv6 compressed lower-case; IPv4-mapped and IPv4-compatible IPv6 forms become the IPv4
 * address. Undefined when `address` is not an IP literal (a host name).
 */
export function canonicalAddress(address: string): { address: string; family: IpFamily } | undefined {
  let a = address.trim();
  if (a.startsWith("[") && a.endsWith("]")) a = a.slice(1, -1);
  const zone = a.indexOf("%");
  if (zone >= 0) a = a.slice(0, zone);
  if (isIPv4(a))
    return {
      address: a
        .split(".")
        .map((x) => String(Number(x)))
        .join("."),
      family: "ipv4",
    };
  if (!isIPv6(a)) return undefined;
  const g = ipv6Groups(a);
  const zeros = (n: number) => g.slice(0, n).every((x) => x === 0);
  if (zeros(5) && g[5] === 0xffff) return { address: ipv4FromGroups(g[6], g[7]), family: "ipv4" };
  if (zeros(6) && !(g[6] === 0 && g[7] <= 1)) return { address: ipv4FromGroups(g[6], g[7]), family: "ipv4" };
  return { address: new URL(`http://[${a}]`).hostname.slice(1, -1), family: "ipv6" };
}

/** Whether `host` is written as an IP address (brackets and zone ids allowed) rather than a name. */
export function isIpLiteral(host: string): boolean {
  return canonicalAddress(host) !== undefined;
}

/**
 * Parses one network: `a.b.c.d/n`, `x:y::z/n`, or a bare address (one host: /32, /128). An
 * IPv4-mapped IPv6 network of prefix 96 or more becomes the IPv4 network it covers.
 * @throws Error saying what is wrong with the entry.
 */
export function parseCidr(text: string): Cidr {
  const entry = text.trim();
  const slash = entry.indexOf("/");
  const addr = slash < 0 ? entry : entry.slice(0, slash);
  const prefixText = slash < 0 ? undefined : entry.slice(slash + 1);
  const family = isIP(addr);
  if (family === 0 || addr.includes("%"))
    throw new Error(`"${entry}" is not an IP network (expected e.g. 10.0.0.0/8 or fd00::/8)`);
  const max = family === 4 ? 32 : 128;
  let prefix = max;
  if (prefixText !== undefined) {
    if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > max)
      throw new Error(`"${entry}" has an invalid prefix length (0-${max} for IPv${family})`);
    prefix = Number(prefixText);
  }
  if (family === 6) {
    const g = ipv6Groups(addr);
    if (prefix >= 96 && g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff) {
      return { network: ipv4FromGroups(g[6], g[7]), prefix: prefix - 96, family: "ipv4" };
    }
    return { network: new URL(`http://[${addr}]`).hostname.slice(1, -1), prefix, family: "ipv6" };
  }
  return { network: canonicalAddress(addr)!.address, prefix, family: "ipv4" };
}

/**
 * Parses a comma-separated list of networks (blanks around entries ignored, empty entries
 * skipped). @throws Error naming the first malformed entry.
 */
export function parseCidrList(text: string): Cidr[] {
  return text
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "")
    .map(parseCidr);
}

/** `network/prefix` as written back in logs and messages. */
export function formatCidr(c: Cidr): string {
  return `${c.network}/${c.prefix}`;
}
