/**
 * Where connectors may connect: the server's connector network policy
 * (`SCAIDRIVE_CONNECTOR_DENY_NETWORKS`, `SCAIDRIVE_CONNECTOR_ALLOW_NETWORKS`), so that whoever
 * may configure a connector cannot use it to reach the server's own loopback services, the
 * cloud metadata endpoint or any other network the operator keeps out of reach.
 *
 * The rule: with an allow list, an address is permitted exactly when it lies inside the allow
 * list (the deny list is then not consulted); without one, exactly when it lies outside the deny
 * list. Addresses are compared after {@link canonicalAddress} (IPv4-mapped IPv6 is its IPv4).
 *
 * The check applies to the address actually connected to: {@link NetworkPolicy.resolve} resolves
 * a name once, refuses it if ANY of its addresses is refused (a name that mixes a public address
 * with 127.0.0.1 is not one to trust), and the caller connects to one of the addresses returned —
 * never to the name again, so a DNS answer that changes between check and connect (rebinding)
 * gains nothing. {@link NetworkPolicy.lookup} does the same in `net.connect`'s `lookup` shape.
 */
import { BlockList } from "node:net";
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from "node:dns";
import { canonicalAddress, formatCidr, parseCidrList, type Cidr } from "./network-cidr.js";

/**
 * Refused by default: loopback, link-local (which holds the cloud metadata address
 * 169.254.169.254), "this network" / unspecified (a connect to 0.0.0.0 reaches the local host),
 * and AWS's IPv6 metadata address. Private ranges (10/8, 192.168/16, fc00::/7…) are where file
 * servers live and stay permitted.
 */
export const DEFAULT_DENY_NETWORKS: readonly string[] = [
  "127.0.0.0/8",
  "::1/128",
  "169.254.0.0/16",
  "fe80::/10",
  "0.0.0.0/8",
  "::/128",
  "fd00:ec2::254/128",
];

export const DENY_VARIABLE = "SCAIDRIVE_CONNECTOR_DENY_NETWORKS";
export const ALLOW_VARIABLE = "SCAIDRIVE_CONNECTOR_ALLOW_NETWORKS";

/** `DestinationDeniedError#name`, for code that only sees an error rebuilt from name and message. */
export const DESTINATION_DENIED_ERROR_NAME = "DestinationDeniedError";

/**
 * A connection refused by the policy before any socket was opened. `code` is
 * `DESTINATION_DENIED`; `host` is the name (or literal) asked for, `address` the refused address
 * it resolved to (canonical form).
 */
export class DestinationDeniedError extends Error {
  readonly code = "DESTINATION_DENIED";
  constructor(
    readonly host: string,
    readonly address: string,
  ) {
    super(
      `${host} resolves to ${address}, which this server's ` +
        `connector network policy refuses (${DENY_VARIABLE} / _ALLOW_NETWORKS)`,
    );
    this.name = DESTINATION_DENIED_ERROR_NAME;
  }
}

/** The DestinationDeniedError anywhere in `err`'s cause chain (fetch and socket errors wrap it), if any. */
export function findDestinationDenied(err: unknown): DestinationDeniedError | undefined {
  let cur: unknown = err;
  for (let i = 0; i < 8 && cur; i++) {
    if (cur instanceof DestinationDeniedError) return cur;
    cur = (cur as { cause?: unknown }).cause;
  }
  return undefined;
}

/** A resolved address that passed the policy. */
export interface CheckedAddress {
  address: string;
  family: 4 | 6;
}

function blockListOf(cidrs: readonly Cidr[]): BlockList {
  const list = new BlockList();
  for (const c of cidrs) list.addSubnet(c.network, c.prefix, c.family);
  return list;
}

function resolveAll(host: string, options: LookupOptions): Promise<LookupAddress[]> {
  return new Promise((resolve, reject) => {
    dnsLookup(host, { family: options.family, hints: options.hints, all: true }, (err, addresses) =>
      err ? reject(err) : resolve(addresses),
    );
  });
}

export class NetworkPolicy {
  private readonly denyList: BlockList;
  private readonly allowList: BlockList | undefined;

  private constructor(
    readonly deny: readonly Cidr[],
    readonly allow: readonly Cidr[] | undefined,
  ) {
    this.denyList = blockListOf(deny);
    this.allowList = allow ? blockListOf(allow) : undefined;
  }

  /** Deny nothing (tests whose peers listen on loopback; a server with `DENY=none`). */
  static unrestricted(): NetworkPolicy {
    return new NetworkPolicy([], undefined);
  }

  /**
   * The policy as the two variables spell it. `deny`: absent or blank → {@link DEFAULT_DENY_NETWORKS},
   * `none` → nothing; `allow`: absent or blank → no allow list.
   * @throws Error naming the variable and the malformed entry.
   */
  static fromText(o: { deny?: string; allow?: string }): NetworkPolicy {
    const parse = (name: string, text: string): Cidr[] => {
      try {
        return parseCidrList(text);
      } catch (err) {
        throw new Error(`${name}: ${(err as Error).message}`, { cause: err });
      }
    };
    const denyText = o.deny?.trim();
    const deny =
      denyText === undefined || denyText === ""
        ? parseCidrList(DEFAULT_DENY_NETWORKS.join(","))
        : denyText.toLowerCase() === "none"
          ? []
          : parse(DENY_VARIABLE, denyText);
    const allowText = o.allow?.trim();
    const allow = allowText === undefined || allowText === "" ? undefined : parse(ALLOW_VARIABLE, allowText);
    if (allow && allow.length === 0)
      throw new Error(`${ALLOW_VARIABLE}: lists no network (leave it unset to use ${DENY_VARIABLE} alone)`);
    return new NetworkPolicy(deny, allow);
  }

  /** Whether every address is permitted (nothing denied, no allow list). */
  get unrestricted(): boolean {
    return this.deny.length === 0 && this.allow === undefined;
  }

  /**
   * Whether a connection to the IP address `address` is permitted. A host name is never permitted (resolve it first).
   */
  permits(address: string): boolean {
    const c = canonicalAddress(address);
    if (!c) return false;
    if (this.allowList) return this.allowList.check(c.address, c.family);
    return !this.denyList.check(c.address, c.family);
  }

  /**
   * Resolves `host` (a name, or an IP literal taken as is) and checks every address.
   * @throws DestinationDeniedError naming the first refused address; the resolver's own error
   *   (ENOTFOUND…) when the name does not resolve.
   */
  async resolve(host: string, options: LookupOptions = {}): Promise<CheckedAddress[]> {
    const literal = canonicalAddress(host);
    const addresses: LookupAddress[] = literal
      ? [
          {
            address: host.startsWith("[") ? host.slice(1, -1) : host,
            family: literal.family === "ipv4" && !host.includes(":") ? 4 : 6,
          },
        ]
      : await resolveAll(host, options);
    for (const a of addresses) {
      if (!this.permits(a.address))
        throw new DestinationDeniedError(host, canonicalAddress(a.address)?.address ?? a.address);
    }
    return addresses.map((a) => ({ address: a.address, family: a.family === 4 ? 4 : 6 }));
  }

  /**
   * {@link resolve} in the shape of `net.connect`'s `lookup` option (both `all: true`, as
   * happy-eyeballs connects ask, and the single-address form).
   */
  readonly lookup = (
    hostname: string,
    options: LookupOptions,
    callback: (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void,
  ): void => {
    this.resolve(hostname, options).then(
      (addresses) =>
        options.all ? callback(null, addresses) : callback(null, addresses[0].address, addresses[0].family),
      (err: NodeJS.ErrnoException) => callback(err, options.all ? [] : ""),
    );
  };

  /** The lists for a start-up log line. */
  describe(): { deny: string[]; allow: string[] | null } {
    return { deny: this.deny.map(formatCidr), allow: this.allow ? this.allow.map(formatCidr) : null };
  }
}
