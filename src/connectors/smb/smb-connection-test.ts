/**
 * The connector's "test connection": connect, authenticate, tree-connect the share and check the
 * base path is a folder — the same steps a sync starts with — and say in one sentence what
 * happened. Never throws; never puts the password in a message.
 *
 * Success: `{success: true, message: "Connected to <host>\\<Share> as <DOMAIN>\\<user>", error: null}`
 * (`as <user>` when there is no domain). Failure: `success: false`, `message` a sentence naming the
 * step that failed, `error` the SMB-level reason: the NTSTATUS name the server answered
 * (`STATUS_LOGON_FAILURE`, `STATUS_BAD_NETWORK_NAME`, `STATUS_OBJECT_NAME_NOT_FOUND`…) or, when no
 * server answered, the socket error code (`ENOTFOUND` for DNS, `ECONNREFUSED`, `ETIMEDOUT`,
 * `EHOSTUNREACH`…); `NOT_A_DIRECTORY` when the base path is a file; `DESTINATION_DENIED` when the
 * server's connector network policy refuses the address `host` resolves to (then no connection
 * was attempted, so the answer says nothing about whether anything listens there).
 */
import { NtStatus, SmbClient, SmbError, TransportStatus } from "../../protocols/smb/index.js";
import { normalizeBasePath } from "./smb-paths.js";
import { findDestinationDenied, type NetworkPolicy } from "../network-policy.js";

export interface SmbConnectionConfig {
  host: string;
  port?: number;
  domain: string;
  username: string;
  password: string;
  shareName: string;
  basePath?: string;
  /** Where the test may connect (the same policy a sync uses). */
  network: NetworkPolicy;
  /** Connect and per-request timeout (default 15 s). */
  timeoutMs?: number;
}

export interface SmbConnectionTestResult {
  success: boolean;
  message: string;
  error: string | null;
}

function account(c: SmbConnectionConfig): string {
  return c.domain ? `${c.domain}\\${c.username}` : c.username;
}

/** The socket error code behind an "unreachable" SmbError, if any. */
function socketCode(err: SmbError): string | undefined {
  let cause: unknown = err.cause;
  for (let i = 0; i < 4 && cause; i++) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (typeof code === "string") return code;
    cause = (cause as { cause?: unknown }).cause;
  }
  const m = /\((E[A-Z]+)\)\s*$/.exec(err.message);
  if (m) return m[1];
  // The client's own timers (connect, or a server that accepts but never answers) carry no errno.
  if (err.status === NtStatus.IO_TIMEOUT || /timed out|stopped answering/i.test(err.message)) return "ETIMEDOUT";
  return undefined;
}

function unreachableMessage(c: SmbConnectionConfig, port: number, code: string | undefined, detail: string): string {
  const where = `${c.host}:${port}`;
  switch (code) {
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return `Cannot resolve host name "${c.host}" (DNS lookup failed)`;
    case "ECONNREFUSED":
      return `Connection to ${where} refused: no SMB service is listening there`;
    case "ETIMEDOUT":
      return `Connection to ${where} timed out (host down, port blocked by a firewall, or not an SMB service)`;
    case "EHOSTUNREACH":
    case "ENETUNREACH":
      return `No route to ${where} (network unreachable)`;
    case "ECONNRESET":
    case "EPIPE":
      return `Connection to ${where} was reset by the server`;
    default:
      return `Cannot reach SMB server ${where}: ${detail}`;
  }
}

function fail(message: string, error: string): SmbConnectionTestResult {
  return { success: false, message, error };
}

export async function testSmbConnection(config: SmbConnectionConfig): Promise<SmbConnectionTestResult> {
  const port = config.port ?? 445;
  let base: string;
  try {
    base = normalizeBasePath(config.basePath);
  } catch (e) {
    return fail(`Invalid base path "${config.basePath}": ${(e as Error).message}`, "INVALID_BASE_PATH");
  }
  let client: SmbClient | undefined;
  let step: "connect" | "share" | "base" = "connect";
  try {
    client = await SmbClient.connect({
      host: config.host,
      port,
      domain: config.domain,
      username: config.username,
      password: config.password,
      lookup: config.network.lookup,
      timeoutMs: config.timeoutMs ?? 15_000,
    });
    step = "share";
    const tree = await client.tree(config.shareName);
    if (base !== "") {
      step = "base";
      const info = await tree.stat(base);
      if (!info.isDirectory) {
        return fail(
          `Base path "${base}" in \\\\${config.host}\\${config.shareName} is a file, not a folder`,
          "NOT_A_DIRECTORY",
        );
      }
    }
    return {
      success: true,
      message: `Connected to ${config.host}\\${config.shareName} as ${account(config)}`,
      error: null,
    };
  } catch (e) {
    const denied = findDestinationDenied(e);
    if (denied) return fail(denied.message, "DESTINATION_DENIED");
    if (!(e instanceof SmbError))
      return fail(`SMB connection test failed: ${(e as Error).message ?? String(e)}`, "ERROR");
    if (e.kind === "unreachable") {
      const code = socketCode(e);
      return fail(unreachableMessage(config, port, code, e.message), code ?? e.statusName);
    }
    // Something listens there, but it is not SMB (a web server, SSH, a database...).
    if (step === "connect" && e.status === TransportStatus.PROTOCOL) {
      return fail(
        `The server at ${config.host}:${port} did not answer as an SMB server: check the host and port (SMB uses 445)`,
        "NOT_AN_SMB_SERVER",
      );
    }
    if (e.kind === "auth") {
      return fail(
        `Authentication ` +
          `failed for ${account(config)} on ${config.host}: wrong user name or password, ` +
          `or the account is locked or disabled`,
        e.statusName,
      );
    }
    if (step === "share") {
      if (e.kind === "not_found")
        return fail(`Share "${config.shareName}" does not exist on ${config.host}`, e.statusName);
      if (e.kind === "access_denied")
        return fail(`${account(config)} may not access share "${config.shareName}" on ${config.host}`, e.statusName);
      return fail(`Connecting share "${config.shareName}" on ${config.host} failed: ${e.message}`, e.statusName);
    }
    if (step === "base") {
      if (e.kind === "not_found")
        return fail(`Base path "${base}" does not exist in \\\\${config.host}\\${config.shareName}`, e.statusName);
      if (e.kind === "access_denied")
        return fail(
          `${account(config)} may not open base path "${base}" in \\\\${config.host}\\${config.shareName}`,
          e.statusName,
        );
      return fail(`Opening base path "${base}" failed: ${e.message}`, e.statusName);
    }
    return fail(`SMB connection to ${config.host}:${port} failed: ${e.message}`, e.statusName);
  } finally {
    await client?.close().catch(() => undefined);
  }
}
