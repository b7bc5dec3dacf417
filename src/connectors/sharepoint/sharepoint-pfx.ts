/**
 * Turns a PKCS#12 file (.pfx / .p12, as Windows and the Azure portal export certificates) into the
 * one PEM text `azure_client_certificate_pem` holds: the private key and the certificate that
 * belongs to it. Node's crypto reads no PKCS#12, so node-forge decodes it; it knows both the
 * OpenSSL 3 default (PBES2 with AES-256-CBC, PBKDF2-HMAC-SHA256, SHA-256 MAC) and the legacy
 * encryptions (3DES, RC2-40, SHA-1 MAC) that older tools and Windows still write.
 *
 * Errors are {@link CertificateError}s with a sentence that says what to fix (wrong password, no
 * key, no matching certificate); neither the file nor the password is ever echoed.
 */
import { X509Certificate, createPrivateKey, type KeyObject } from "node:crypto";
import forge from "node-forge";
import { CertificateError } from "./sharepoint-certificate.js";

/** Largest PFX accepted, in bytes after base64 decoding (a key, its certificate and a chain are a few KB). */
export const MAX_PFX_BYTES = 64 * 1024;

interface Bag {
  key?: forge.pki.PrivateKey | null;
  cert?: forge.pki.Certificate | null;
  asn1?: forge.asn1.Asn1;
}

function der(asn1: forge.asn1.Asn1): Buffer {
  return Buffer.from(forge.asn1.toDer(asn1).getBytes(), "binary");
}

/** A key bag as a Node key: forge decodes RSA keys itself; other kinds (EC) stay PKCS#8 ASN.1 for Node to read. */
function keyOf(bag: Bag): KeyObject {
  if (bag.key) return createPrivateKey(forge.pki.privateKeyToPem(bag.key as forge.pki.rsa.PrivateKey));
  if (bag.asn1) return createPrivateKey({ key: der(bag.asn1), format: "der", type: "pkcs8" });
  throw new CertificateError("the private key in azure_client_certificate_pfx cannot be read");
}

function certOf(bag: Bag): X509Certificate | null {
  try {
    if (bag.cert) return new X509Certificate(der(forge.pki.certificateToAsn1(bag.cert)));
    if (bag.asn1) return new X509Certificate(der(bag.asn1));
  } catch {
    // not an X.509 certificate (forge keeps other certificate types as bags too)
  }
  return null;
}

function bagsOf(p12: forge.pkcs12.Pkcs12Pfx, type: string): Bag[] {
  return (p12.getBags({ bagType: type })[type] ?? []) as Bag[];
}

/**
 * The PEM (PKCS#8 private key, then its certificate) of a base64 PKCS#12 file. @throws
 * CertificateError for data that is not PKCS#12, a wrong password, no private key, or no
 * certificate belonging to the key. Validity dates are checked later, with the PEM.
 */
export function pfxToPem(base64: string, password = ""): string {
  const bytes = Buffer.from(base64.replace(/\s+/g, ""), "base64");
  if (bytes.length === 0 || bytes.length > MAX_PFX_BYTES)
    throw new CertificateError(
      `azure_client_certificate_pfx must be a base64-encoded PKCS#12 (.pfx/.p12) file of at most ${MAX_PFX_BYTES / 1024} KB`,
    );
  let asn1: forge.asn1.Asn1;
  try {
    asn1 = forge.asn1.fromDer(forge.util.createBuffer(bytes.toString("binary")));
  } catch {
    throw new CertificateError("azure_client_certificate_pfx is not a PKCS#12 (.pfx/.p12) file");
  }
  let p12: forge.pkcs12.Pkcs12Pfx;
  try {
    p12 = forge.pkcs12.pkcs12FromAsn1(asn1, false, password);
  } catch (err) {
    const msg = err instanceof Error ? err.message : "";
    if (/MAC could not be verified|Invalid password|decrypt/i.test(msg))
      throw new CertificateError(
        password
          ? "azure_client_certificate_pfx_password is wrong: the PFX file cannot be opened with it"
          : "the PFX file is protected by a password: send it as azure_client_certificate_pfx_password",
      );
    if (/unsupported|not supported/i.test(msg))
      throw new CertificateError(`azure_client_certificate_pfx uses an encryption ScaiDrive cannot read (${msg})`);
    throw new CertificateError("azure_client_certificate_pfx is not a PKCS#12 (.pfx/.p12) file ScaiDrive can read");
  }
  const keyBags = [...bagsOf(p12, forge.pki.oids.pkcs8ShroudedKeyBag!), ...bagsOf(p12, forge.pki.oids.keyBag!)];
  if (keyBags.length === 0)
    throw new CertificateError("the PFX file holds no private key: export the certificate with its private key");
  const certs = bagsOf(p12, forge.pki.oids.certBag!)
    .map(certOf)
    .filter((c): c is X509Certificate => c !== null);
  if (certs.length === 0) throw new CertificateError("the PFX file holds no certificate");
  for (const bag of keyBags) {
    let key: KeyObject;
    try {
      key = keyOf(bag);
    } catch {
      continue;
    }
    const cert = certs.find((c) => c.checkPrivateKey(key));
    if (cert) return `${key.export({ type: "pkcs8", format: "pem" }).toString()}${cert.toString()}`;
  }
  throw new CertificateError("the PFX file holds no certificate that belongs to its private key");
}
