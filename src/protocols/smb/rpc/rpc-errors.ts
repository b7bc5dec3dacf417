/**
 * The one error type of the DCE/RPC and LSA layer.
 * - "protocol": the peer sent bytes that are not a valid PDU / NDR stub for the call
 *   (truncated, wrong type, bad lengths, mismatched call id); the pipe should be dropped.
 * - "bind_rejected": BIND_NAK or a BIND_ACK that refused the LSARPC context; `status` is the
 *   reject reason.
 * - "fault": a FAULT PDU; `status` is its nca_s_* / Win32 status (e.g. 0x1c010002 op range).
 * - "status": the call ran and returned a failing NTSTATUS (e.g. 0xc0000022 access denied).
 * Errors from the pipe itself (SMB errors, transport drops) pass through untouched.
 */
export class RpcError extends Error {
  override readonly name = "RpcError";
  readonly statusName: string;
  constructor(
    readonly kind: "protocol" | "bind_rejected" | "fault" | "status",
    message: string,
    readonly status = 0,
  ) {
    super(message);
    this.statusName = kind === "protocol" ? "" : rpcStatusName(status);
  }
}

const NAMES: Record<number, string> = {
  0x00000000: "STATUS_SUCCESS",
  0x00000107: "STATUS_SOME_NOT_MAPPED",
  0xc0000008: "STATUS_INVALID_HANDLE",
  0xc000000d: "STATUS_INVALID_PARAMETER",
  0xc0000017: "STATUS_NO_MEMORY",
  0xc0000022: "STATUS_ACCESS_DENIED",
  0xc0000034: "STATUS_OBJECT_NAME_NOT_FOUND",
  0xc0000073: "STATUS_NONE_MAPPED",
  0xc000009a: "STATUS_INSUFFICIENT_RESOURCES",
  0xc00000bb: "STATUS_NOT_SUPPORTED",
  0xc0000078: "STATUS_INVALID_SID",
  0xc0000002: "STATUS_NOT_IMPLEMENTED",
  0xc0020001: "RPC_NT_INVALID_STRING_BINDING",
  0x00000005: "nca_s_fault_access_denied",
  0x000006f7: "nca_s_fault_ndr",
  0x000006d8: "nca_s_fault_cant_perform",
  0x1c000006: "nca_s_fault_invalid_tag",
  0x1c000009: "nca_s_fault_invalid_bound",
  0x1c00001a: "nca_s_fault_context_mismatch",
  0x1c000013: "nca_s_fault_remote_no_memory",
  0x1c010002: "nca_s_op_rng_error",
  0x1c010003: "nca_s_unk_if",
  0x1c01000b: "nca_s_proto_error",
  0x1c010013: "nca_s_unsupported_type",
};

/** Name of an NTSTATUS / nca_s_* code, or its hex form when unknown. */
export function rpcStatusName(status: number): string {
  return NAMES[status >>> 0] ?? "0x" + (status >>> 0).toString(16).padStart(8, "0");
}

/** BIND_NAK / provider rejection reasons, C706 12.6.3.1 and MS-RPCE 2.2.2.5. */
export const BIND_REJECT_REASONS: Record<number, string> = {
  0: "reason_not_specified",
  1: "temporary_congestion",
  2: "local_limit_exceeded",
  3: "called_paddr_unknown",
  4: "protocol_version_not_supported",
  5: "default_context_not_supported",
  6: "user_data_not_readable",
  7: "no_psap_available",
  8: "authentication_type_not_recognized",
  9: "invalid_checksum",
};
