/**
 * What the RPC layer needs from an SMB named pipe. The SMB client's `SmbPipe` satisfies it
 * structurally. `transceive` is FSCTL_PIPE_TRANSCEIVE: write one PDU, return the server's next
 * message whole (the pipe reads the rest itself after STATUS_BUFFER_OVERFLOW and waits out
 * STATUS_PENDING). `write` and `read` are plain SMB2 WRITE / READ on the pipe; they are only
 * used for a request larger than one fragment (`write`) and for response fragments after the
 * first (`read`). Without them such calls fail with RpcError "protocol" instead of hanging.
 */
export interface RpcPipe {
  transceive(data: Buffer): Promise<Buffer>;
  write?(data: Buffer): Promise<unknown>;
  read?(): Promise<Buffer>;
  close(): Promise<void>;
}
