/**
 * Parses `azure_client_certificate_pem`: one PEM text holding the app's private key AND its
 * certificate (the form Entra's docs and `openssl req -x509 -nodes` produce). Derives what MSAL
 * needs: the PKCS#8 private key and the certificate's SHA-256 (and SHA-1, for display and older
 * tenants) thumbprints, hex without colons — the value Azure's portal shows.
 *
 * Validation (for the API's 400): both blocks present, the key not encrypted, the key belonging
 * to the certificate, the certificate currently valid. Errors are {@link CertificateError}s with a
 * sentence that says what is wrong; the PEM is never echoed.
 */
import { X509Certificate, createPrivateKey } from "node:crypto";

export class CertificateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CertificateError";
  }
}

export interface ParsedClientCertificate {
  /** PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`), what MSAL signs assertions with. */
  privateKeyPem: string;
  /** The certificate alone, PEM. */
  certificatePem: string;
  /** Hex SHA-256 thumbprint, upper case, no separators (MSAL `thumbprintSha256`, JWT `x5t#S256`). */
  thumbprintSha256: string;
  /** Hex SHA-1 thumbprint as the Azure portal lists it. */
  thumbprintSha1: string;
  subject: string;
  notAfter: string;
}

const CERT_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/;
const KEY_BLOCK = /-----BEGIN ((?:RSA |EC |ENCRYPTED )?PRIVATE KEY)-----[\s\S]+?-----END \1-----/;

/** @throws CertificateError with a clear sentence when the PEM is unusable. */
export function parseClientCertificatePem(pem: string, now = new Date()): ParsedClientCertificate {
  if (typeof pem !== "string" || !pem.includes("-----BEGIN")) {
    throw new CertificateError(
      "azure_client_certificate_pem must be PEM text containing the private key and the certificate",
    );
  }
  const certMatch = CERT_BLOCK.exec(pem);
  if (!certMatch)
    throw new CertificateError("azure_client_certificate_pem has no certificate block (-----BEGIN CERTIFICATE-----)");
  const keyMatch = KEY_BLOCK.exec(pem);
  if (!keyMatch)
    throw new CertificateError(
      "azure_client_certificate_pem has no private key block (-----BEGIN " +
        "PRIVATE KEY----- or -----BEGIN RSA PRIVATE KEY-----)",
    );
  if (keyMatch[1] === "ENCRYPTED PRIVATE KEY" || /Proc-Type:\s*4,ENCRYPTED/.test(keyMatch[0])) {
    throw new CertificateError(
      "the private key in azure_client_certificate_pem is encrypted; provide it without a passphrase",
    );
  }
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certMatch[0]);
  } catch {
    throw new CertificateError("the certificate in azure_client_certificate_pem cannot be parsed");
  }
  let privateKeyPem: string;
  let key;
  try {
    key = createPrivateKey(keyMatch[0]);
    privateKeyPem = key.export({ type: "pkcs8", format: "pem" }).toString();
  } catch {
    throw new CertificateError("the private key in azure_client_certificate_pem cannot be parsed");
  }
  if (!cert.checkPrivateKey(key))
    throw new CertificateError("the private key in azure_client_certificate_pem does not belong to its certificate");
  if (new Date(cert.validTo).getTime() < now.getTime())
    throw new CertificateError(
      `the certificate in azure_client_certificate_pem expired on ${new Date(cert.validTo).toISOString()}`,
    );
  if (new Date(cert.validFrom).getTime() > now.getTime() + 5 * 60_000)
    throw new CertificateError(
      `the certificate in azure_client_certificate_pem is not valid before ${new Date(cert.validFrom).toISOString()}`,
    );
  return {
    privateKeyPem,
    certificatePem: cert.toString(),
    thumbprintSha256: cert.fingerprint256.replace(/:/g, "").toUpperCase(),
    thumbprintSha1: cert.fingerprint.replace(/:/g, "").toUpperCase(),
    subject: cert.subject,
    notAfter: new Date(cert.validTo).toISOString(),
  };
}
