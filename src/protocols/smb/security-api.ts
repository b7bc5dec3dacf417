/**
 * Security glue of the public API: security descriptors of files and SID ↔ name translation
 * through LSARPC. Written against the small structural interfaces below so it depends only on
 * what SmbClient / SmbTree promise (`openPipe("lsarpc")`, `querySecurityDescriptor`).
 */
import type { ResolvedAccount } from "./rpc/lsa-client.js";
import type { RpcConnectionOptions } from "./rpc/rpc-connection.js";
import type { RpcPipe } from "./rpc/rpc-pipe.js";
import { SidResolver } from "./rpc/sid-resolver.js";
import { decodeSecurityDescriptor, type SecurityDescriptor } from "./security/security-descriptor-codec.js";
import type { SidString } from "./security/sid-codec.js";

/** What SmbClient offers for pipes. */
export interface PipeOpener {
  openPipe(name: "lsarpc"): Promise<RpcPipe>;
}

/** What SmbTree offers for descriptors. */
export interface SecurityDescriptorSource {
  querySecurityDescriptor(path: string, parts?: { owner?: boolean; group?: boolean; dacl?: boolean }): Promise<Buffer>;
}

const resolvers = new WeakMap<PipeOpener, SidResolver>();

/**
 * The resolver (and its cache) belonging to `client`, created on first use. It lives as long
 * as the client object; when the client reconnects, the resolver reopens the pipe by itself.
 * `opts` only apply when the resolver is created.
 */
export function sidResolverFor(client: PipeOpener, opts?: RpcConnectionOptions): SidResolver {
  let r = resolvers.get(client);
  if (!r) {
    r = new SidResolver(() => client.openPipe("lsarpc"), opts);
    resolvers.set(client, r);
  }
  return r;
}

/**
 * SIDs → accounts (`DOMAIN\name`, type) through LsarLookupSids2, cached per client. Every input
 * gets an entry; null means the server could not map it (or the string is not a SID).
 * @throws RpcError (bind rejected, fault, failing status, bad PDU) or SmbError from the pipe.
 */
export function lookupSids(client: PipeOpener, sids: SidString[]): Promise<Map<SidString, ResolvedAccount | null>> {
  return sidResolverFor(client).resolveSids(sids);
}

/** Names ("DOMAIN\\name" or bare) → accounts through LsarLookupNames2, cached per client; null when unknown. */
export function lookupNames(client: PipeOpener, names: string[]): Promise<Map<string, ResolvedAccount | null>> {
  return sidResolverFor(client).resolveNames(names);
}

/** Closes the client's LSA pipe if one is open (the cache is kept). Never throws. */
export async function closeSidResolver(client: PipeOpener): Promise<void> {
  await resolvers
    .get(client)
    ?.close()
    .catch(() => undefined);
}

/**
 * Owner, group and DACL of `path`, decoded. A part the server omits is undefined; see
 * {@link SecurityDescriptor} for NULL vs empty DACL.
 * @throws SmbError from the query (not_found, access_denied…), SecurityDecodeError for bytes
 *   that are not a valid self-relative descriptor.
 */
export async function getSecurityDescriptor(
  tree: SecurityDescriptorSource,
  path: string,
  parts: { owner?: boolean; group?: boolean; dacl?: boolean } = { owner: true, group: true, dacl: true },
): Promise<SecurityDescriptor> {
  return decodeSecurityDescriptor(await tree.querySecurityDescriptor(path, parts));
}

/** A descriptor plus the account of every SID in it (owner, group, ACE trustees). */
export interface ResolvedSecurityDescriptor {
  descriptor: SecurityDescriptor;
  accounts: Map<SidString, ResolvedAccount | null>;
}

/** {@link getSecurityDescriptor} with all its SIDs resolved in one LSA lookup (cached). */
export async function getResolvedSecurityDescriptor(
  client: PipeOpener,
  tree: SecurityDescriptorSource,
  path: string,
): Promise<ResolvedSecurityDescriptor> {
  const descriptor = await getSecurityDescriptor(tree, path);
  const sids = new Set<SidString>();
  if (descriptor.owner) sids.add(descriptor.owner);
  if (descriptor.group) sids.add(descriptor.group);
  for (const ace of descriptor.dacl?.aces ?? []) if (ace.sid) sids.add(ace.sid);
  return { descriptor, accounts: await lookupSids(client, [...sids]) };
}

export type { ResolvedAccount };
