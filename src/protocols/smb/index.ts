/**
 * Public API of the pure-TypeScript SMB2/3 client (MS-SMB2). Imports nothing from the rest of
 * ScaiDrive.
 *
 *   const client = await SmbClient.connect({ host, port, domain, username, password });
 *   const tree = await client.tree("share");
 *   for await (const e of tree.readdir("dir")) ...
 *   tree.createReadStream("a.bin", { start, end }).pipe(...)
 *   await tree.writeFile("b.bin", readable);
 *   await client.close();
 *
 * Every failure is an {@link SmbError} with `kind` telling the caller what to do.
 */
export { SmbClient, type SmbClientOptions } from "./client.js";
export {
  SmbTree,
  type SetInfoOptions,
  type SecurityParts,
  type WriteDisposition,
  type WriteStreamOpenOptions,
  type RenameOptions,
} from "./tree.js";
export { SmbOpenFile, FileAccess, FileShare, type OpenOptions } from "./open-file.js";
export { SmbError, NtStatus, TransportStatus, ntStatusName, classifyStatus, type SmbErrorKind } from "./errors.js";
export type { SmbFileInfo, SmbAttributes } from "./file-info.js";
export { filetimeToDate, dateToFiletime, ReparseTag } from "./file-info.js";
export type { ReadStreamOptions } from "./read-stream.js";
export type { WriteStreamOptions, SmbWriteStream } from "./write-stream.js";
export type { ReaddirOptions } from "./directory-listing.js";
export type { SmbWatcher, SmbChange, SmbChangeAction, WatchOptions } from "./change-watcher.js";
export type { SmbPipe, SmbPipeOptions } from "./pipe.js";
export { Dialect, type DialectRevision } from "./messages/negotiate.js";
export * from "./security/index.js";
export {
  RpcError,
  rpcStatusName,
  LsaClient,
  SidResolver,
  formatAccount,
  type RpcPipe,
  type ResolvedAccount,
  type SidType,
} from "./rpc/index.js";
export {
  lookupSids,
  lookupNames,
  getSecurityDescriptor,
  getResolvedSecurityDescriptor,
  closeSidResolver,
  sidResolverFor,
  type ResolvedSecurityDescriptor,
  type PipeOpener,
  type SecurityDescriptorSource,
} from "./security-api.js";
