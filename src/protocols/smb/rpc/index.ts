export { RpcError, rpcStatusName } from "./rpc-errors.js";
export type { RpcPipe } from "./rpc-pipe.js";
export { RpcConnection, type RpcConnectionOptions } from "./rpc-connection.js";
export { LsaClient, formatAccount, type ResolvedAccount } from "./lsa-client.js";
export { SidResolver } from "./sid-resolver.js";
export type { SidType } from "./lsa-ndr-types.js";
export { LSARPC_SYNTAX, NDR_SYNTAX, type SyntaxId } from "./rpc-syntax.js";
