/**
 * TLS material for one emulator run, made with the `openssl` CLI (no npm dependency): a CA and a
 * server certificate it signs (SAN `IP:127.0.0.1`, `DNS:localhost` and any extra host names),
 * plus self-signed RSA client certificates for apps that authenticate with a certificate.
 *
 * How a client trusts the run's CA (both SDKs go through Node's global `fetch`, i.e. the undici
 * bundled in Node; `node:https` users go through `https.globalAgent`):
 * - another process: start it with `NODE_EXTRA_CA_CERTS=<caFile>` (read once at start-up, covers
 *   fetch and node:https alike) — the documented way for the CLI and for spawned test drivers;
 * - this process: {@link trustCaInProcess}, which replaces undici's global dispatcher by an Agent
 *   whose root store is Node's plus the CA, and sets `https.globalAgent.options.ca`.
 *   `NODE_TLS_REJECT_UNAUTHORIZED=0` is never needed and never used.
 */
import { execFile, execFileSync } from "node:child_process";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { mkdtempSync, readFileSync } from "node:fs";
import { X509Certificate, randomBytes } from "node:crypto";
import https from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import tls from "node:tls";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface TlsMaterial {
  /** Temp directory holding every file below; the caller removes it when the run ends. */
  dir: string;
  /** PEM file of the CA: what `NODE_EXTRA_CA_CERTS` / `--cacert` must point at. */
  caFile: string;
  caPem: string;
  /** Server certificate (leaf) and its private key, PEM, for `https.createServer`. */
  certPem: string;
  keyPem: string;
}

/** A DNS name a certificate may carry: letters, digits, hyphens and dots, no wildcard. */
const DNS_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/**
 * Creates the CA and server certificate in `dir` (a new temp dir when omitted). Both are valid
 * from one hour ago (clock skew between processes) for two days. `hostnames` are added to the
 * server certificate as DNS names (e.g. `graph.microsoft.com`, for a client with hard-coded
 * Microsoft hosts whose resolver maps them to the emulator); a malformed name throws. Throws if
 * `openssl` is missing.
 */
export async function createTlsMaterial(opts: { dir?: string; hostnames?: string[] } = {}): Promise<TlsMaterial> {
  for (const h of opts.hostnames ?? []) {
    if (!DNS_NAME.test(h)) throw new Error(`invalid host name for the emulator certificate: ${JSON.stringify(h)}`);
  }
  const dir = opts.dir ?? (await mkdtemp(join(tmpdir(), "graph-emu-tls-")));
  const p = (name: string): string => join(dir, name);
  const tag = randomBytes(4).toString("hex");
  await run("openssl", [
    "req",
    "-x509",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:prime256v1",
    "-nodes",
    "-keyout",
    p("ca.key"),
    "-out",
    p("ca.pem"),
    "-days",
    "2",
    "-sha256",
    "-subj",
    `/O=ScaiDrive/CN=ScaiDrive Graph Emulator CA ${tag}`,
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,keyCertSign,cRLSign",
  ]);
  await run("openssl", [
    "req",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:prime256v1",
    "-nodes",
    "-keyout",
    p("server.key"),
    "-out",
    p("server.csr"),
    "-subj",
    "/CN=127.0.0.1",
  ]);
  await writeFile(
    p("server.ext"),
    [
      `subjectAltName=${["IP:127.0.0.1", "DNS:localhost", ...(opts.hostnames ?? []).map((h) => `DNS:${h}`)].join(",")}`,
      "basicConstraints=critical,CA:FALSE",
      "keyUsage=critical,digitalSignature,keyEncipherment",
      "extendedKeyUsage=serverAuth",
      "",
    ].join("\n"),
  );
  await run("openssl", [
    "x509",
    "-req",
    "-in",
    p("server.csr"),
    "-CA",
    p("ca.pem"),
    "-CAkey",
    p("ca.key"),
    "-set_serial",
    `0x${randomBytes(8).toString("hex")}`,
    "-days",
    "2",
    "-sha256",
    "-extfile",
    p("server.ext"),
    "-out",
    p("server.pem"),
  ]);
  const [caPem, certPem, keyPem] = await Promise.all([
    readFile(p("ca.pem"), "utf8"),
    readFile(p("server.pem"), "utf8"),
    readFile(p("server.key"), "utf8"),
  ]);
  return { dir, caFile: p("ca.pem"), caPem, certPem, keyPem };
}

export interface ClientCertificate {
  certFile: string;
  keyFile: string;
  certPem: string;
  /** PKCS#8 PEM RSA private key, as MSAL's `clientCertificate.privateKey` wants it. */
  keyPem: string;
  /** Upper-case hex without colons, as the Azure portal shows them. */
  thumbprintSha1: string;
  thumbprintSha256: string;
}

/**
 * A self-signed RSA-2048 certificate for an app registration, written as `<name>.pem` /
 * `<name>.key` in `dir` (a new temp dir when omitted). Synchronous because the directory is
 * built from its fixture synchronously; it costs one openssl run (a few hundred ms).
 */
export function createClientCertificateSync(name: string, dir?: string): ClientCertificate {
  const where = dir ?? mkdtempSync(join(tmpdir(), "graph-emu-cert-"));
  const certFile = join(where, `${name}.pem`);
  const keyFile = join(where, `${name}.key`);
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      keyFile,
      "-out",
      certFile,
      "-days",
      "2",
      "-sha256",
      "-subj",
      `/CN=${name}`,
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  const certPem = readFileSync(certFile, "utf8");
  const keyPem = readFileSync(keyFile, "utf8");
  return { certFile, keyFile, certPem, keyPem, ...certificateThumbprints(certPem) };
}

/** SHA-1 and SHA-256 thumbprints of a PEM certificate (upper-case hex, no colons). */
export function certificateThumbprints(certPem: string): { thumbprintSha1: string; thumbprintSha256: string } {
  const x = new X509Certificate(certPem);
  return {
    thumbprintSha1: x.fingerprint.replaceAll(":", ""),
    thumbprintSha256: x.fingerprint256.replaceAll(":", ""),
  };
}

const trusted = new Set<string>();
const UNDICI_DISPATCHER = Symbol.for("undici.globalDispatcher.1");

/**
 * Makes this process trust `caPem` (added to, not replacing, Node's root store and any CA
 * trusted before) for global `fetch` — which both MSAL 7 and the Graph client use — and for
 * `node:https` requests without their own agent. Relies on Node's bundled undici exposing its
 * global dispatcher under `Symbol.for("undici.globalDispatcher.1")` (true on Node 18–24): the
 * Agent class is taken from the dispatcher Node installs itself, so no `undici` package is
 * needed. Connections already pooled keep their old trust; call this before the first request
 * to the emulator.
 */
export async function trustCaInProcess(caPem: string): Promise<void> {
  trusted.add(caPem);
  const ca = [...tls.rootCertificates, ...trusted];
  https.globalAgent.options.ca = ca;
  const g = globalThis as unknown as Record<symbol, { constructor: new (o: unknown) => unknown } | undefined>;
  if (!g[UNDICI_DISPATCHER]) await fetch("data:,");
  const current = g[UNDICI_DISPATCHER];
  if (!current) throw new Error("Node's fetch did not install a global undici dispatcher");
  const Agent = current.constructor;
  g[UNDICI_DISPATCHER] = new Agent({ connect: { ca } }) as typeof current;
}
