import { useState, type JSX } from "react";
import { Badge, Button, FileInput, Group, PasswordInput, SegmentedControl, Stack, Text, Textarea } from "@mantine/core";
import type { Connector, ConnectorType } from "../../../api/connectors";
import { formatDate } from "../../../format";

/** The write-only credentials a save or a test may carry; a field left out keeps what the server stores. */
export interface CredentialValue {
  password?: string;
  azure_client_secret?: string;
  azure_client_certificate_pem?: string;
  azure_client_certificate_pfx?: string;
  azure_client_certificate_pfx_password?: string;
}

export type CredentialField = keyof CredentialValue;

/** The id of a credential's input, so a dialog can focus it (e.g. after 400 SECRET_REQUIRED names the field). */
export const credentialInputId = (field: string): string =>
  `credential-${field === "azure_client_certificate_pfx" ? "azure_client_certificate_pem" : field}`;

type AppCredentialKind = "secret" | "certificate";

const str = (v: unknown): string | undefined => (typeof v === "string" && v ? v : undefined);

/** Reads a chosen file: PEM text as is, PKCS#12 (.pfx/.p12) as base64 for the server to convert. */
async function readCertificateFile(
  file: File,
): Promise<Pick<CredentialValue, "azure_client_certificate_pem" | "azure_client_certificate_pfx">> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  const head = new TextDecoder().decode(bytes.slice(0, 4096));
  if (head.includes("-----BEGIN")) return { azure_client_certificate_pem: new TextDecoder().decode(bytes) };
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return { azure_client_certificate_pfx: btoa(binary) };
}

/**
 * The credential inputs of a connection: the SMB password, or a SharePoint app registration's client secret or
 * certificate (a .pem/.pfx file or pasted PEM). Secrets are write-only: with a stored one the field shows “Set” and a
 * Replace button, and leaving it alone keeps it. `required` (with `reason` saying why, e.g. the server changed) asks
 * for the secret again. Delegated sign-in (user_auth) has no secret here: the user signs in with Microsoft.
 */
export function CredentialFields(props: {
  type: ConnectorType;
  authType?: "app_auth" | "user_auth";
  connector?: Connector;
  value: CredentialValue;
  onChange: (v: CredentialValue) => void;
  required?: boolean;
  reason?: string;
}): JSX.Element {
  const { type, authType = "app_auth", connector, value, onChange, required, reason } = props;
  if (type === "smb")
    return (
      <SecretInput
        field="password"
        label="Password"
        stored={connector?.password_set === true}
        value={value.password}
        onChange={(password) => onChange({ ...value, password })}
        required={required}
        reason={reason}
        autoComplete="new-password"
      />
    );
  if (authType === "user_auth")
    return (
      <Text size="sm" c="dimmed">
        {connector?.refresh_token_set === true
          ? "A Microsoft account is signed in for this connection. Saving a change of tenant, app, site or library " +
            "asks for a new sign-in."
          : "After saving you are sent to Microsoft to sign in; the connection then works as that account."}
      </Text>
    );
  return <AppCredentials {...props} connector={connector} value={value} onChange={onChange} />;
}

function AppCredentials({
  connector,
  value,
  onChange,
  required,
  reason,
}: {
  connector?: Connector;
  value: CredentialValue;
  onChange: (v: CredentialValue) => void;
  required?: boolean;
  reason?: string;
}) {
  const storedCert = connector?.azure_client_certificate_pem_set === true;
  const storedSecret = connector?.azure_client_secret_set === true;
  const initial: AppCredentialKind =
    value.azure_client_certificate_pem || value.azure_client_certificate_pfx || (storedCert && !storedSecret)
      ? "certificate"
      : "secret";
  const [kind, setKind] = useState<AppCredentialKind>(initial);

  function choose(next: AppCredentialKind) {
    setKind(next);
    // One credential at a time: what was typed for the other kind is not sent.
    onChange({});
  }

  return (
    <Stack gap="sm">
      <Stack gap={4}>
        <Text size="sm" fw={500} id="credential-kind-label">
          App credential
        </Text>
        <SegmentedControl
          aria-labelledby="credential-kind-label"
          value={kind}
          onChange={(v) => choose(v as AppCredentialKind)}
          data={[
            { value: "secret", label: "Client secret" },
            { value: "certificate", label: "Certificate" },
          ]}
        />
      </Stack>
      {kind === "secret" ? (
        <SecretInput
          field="azure_client_secret"
          label="Client secret"
          stored={storedSecret}
          value={value.azure_client_secret}
          onChange={(azure_client_secret) => onChange({ azure_client_secret })}
          required={required}
          reason={reason}
          autoComplete="off"
        />
      ) : (
        <CertificateInput
          connector={connector}
          stored={storedCert}
          value={value}
          onChange={onChange}
          required={required}
          reason={reason}
        />
      )}
    </Stack>
  );
}

/** A write-only secret: “Set” with Replace while a stored one is kept, else a password box. */
function SecretInput({
  field,
  label,
  stored,
  value,
  onChange,
  required,
  reason,
  autoComplete,
}: {
  field: string;
  label: string;
  stored: boolean;
  value: string | undefined;
  onChange: (v: string | undefined) => void;
  required?: boolean;
  reason?: string;
  autoComplete: string;
}) {
  const [replacing, setReplacing] = useState(false);
  const editing = !stored || replacing || required || value !== undefined;
  if (!editing)
    return (
      <Stack gap={4}>
        <Text size="sm" fw={500} id={`${credentialInputId(field)}-label`}>
          {label}
        </Text>
        <Group gap="sm">
          <Badge variant="light" color="teal" style={{ textTransform: "none" }}>
            Set
          </Badge>
          <Button
            variant="default"
            size="xs"
            aria-label={`Replace ${label.toLowerCase()}`}
            onClick={() => {
              setReplacing(true);
              onChange("");
            }}
          >
            Replace
          </Button>
        </Group>
        <Text size="xs" c="dimmed">
          Stored encrypted on the server and never shown; it stays as it is unless you replace it.
        </Text>
      </Stack>
    );
  return (
    <Stack gap={4}>
      <PasswordInput
        id={credentialInputId(field)}
        label={label}
        required={required || !stored}
        value={value ?? ""}
        onChange={(e) => onChange(e.currentTarget.value)}
        autoComplete={autoComplete}
        description={
          reason ?? (stored ? "Replaces the stored one when you save." : "Stored encrypted; never shown again.")
        }
      />
      {stored && !required && (
        <Button
          variant="subtle"
          size="xs"
          style={{ alignSelf: "flex-start" }}
          onClick={() => {
            setReplacing(false);
            onChange(undefined);
          }}
        >
          Keep the stored {label.toLowerCase()}
        </Button>
      )}
    </Stack>
  );
}

/** Certificate credential: a .pem/.pfx/.p12 file or pasted PEM; the stored one shows its thumbprint and expiry. */
function CertificateInput({
  connector,
  stored,
  value,
  onChange,
  required,
  reason,
}: {
  connector?: Connector;
  stored: boolean;
  value: CredentialValue;
  onChange: (v: CredentialValue) => void;
  required?: boolean;
  reason?: string;
}) {
  const [file, setFile] = useState<File | null>(null);
  const [fileError, setFileError] = useState<string | null>(null);
  const [pasting, setPasting] = useState(false);
  const thumbprint = str(connector?.azure_client_certificate_thumbprint);
  const expires = str(connector?.azure_client_certificate_expires_at);
  const subject = str(connector?.azure_client_certificate_subject);
  const isPfx = value.azure_client_certificate_pfx !== undefined;

  async function pick(f: File | null) {
    setFile(f);
    setFileError(null);
    if (!f) {
      onChange({});
      return;
    }
    try {
      onChange(await readCertificateFile(f));
    } catch (err) {
      setFileError(`The file could not be read: ${err instanceof Error ? err.message : String(err)}`);
      onChange({});
    }
  }

  return (
    <Stack gap="sm">
      {stored && (
        <Stack gap={2} aria-label="Stored certificate" role="group">
          <Group gap="xs">
            <Badge variant="light" color="teal" style={{ textTransform: "none" }}>
              Certificate set
            </Badge>
            {expires && (
              <Text size="sm" data-testid="certificate-expiry">
                Expires {formatDate(expires)}
              </Text>
            )}
          </Group>
          {subject && (
            <Text size="xs" c="dimmed">
              Subject {subject}
            </Text>
          )}
          {thumbprint && (
            <Text size="xs" c="dimmed" style={{ overflowWrap: "anywhere" }}>
              Thumbprint <span style={{ fontFamily: "monospace" }}>{thumbprint}</span>
            </Text>
          )}
        </Stack>
      )}
      {reason && (
        <Text size="sm" c="orange.8">
          {reason}
        </Text>
      )}
      {!pasting ? (
        <FileInput
          id={credentialInputId("azure_client_certificate_pem")}
          label={stored ? "Replace with a certificate file" : "Certificate file"}
          description="A .pem with the private key and the certificate, or a .pfx / .p12 (PKCS#12) file"
          placeholder="Choose a file"
          accept=".pem,.pfx,.p12,.crt,.key,application/x-pkcs12,application/x-pem-file"
          value={file}
          onChange={(f) => void pick(f)}
          clearable
          clearButtonProps={{ "aria-label": "Remove the file" }}
          required={required || !stored}
          error={fileError}
        />
      ) : (
        <Textarea
          id={credentialInputId("azure_client_certificate_pem")}
          label="Certificate (PEM)"
          description="Paste the private key and the certificate blocks (-----BEGIN …-----)"
          autosize
          minRows={4}
          maxRows={10}
          required={required || !stored}
          value={value.azure_client_certificate_pem ?? ""}
          onChange={(e) =>
            onChange(e.currentTarget.value ? { azure_client_certificate_pem: e.currentTarget.value } : {})
          }
          styles={{ input: { fontFamily: "monospace", fontSize: 12 } }}
        />
      )}
      <Button
        variant="subtle"
        size="xs"
        style={{ alignSelf: "flex-start" }}
        onClick={() => {
          setPasting(!pasting);
          setFile(null);
          onChange({});
        }}
      >
        {pasting ? "Choose a file instead" : "Paste PEM text instead"}
      </Button>
      {isPfx && (
        <PasswordInput
          id={credentialInputId("azure_client_certificate_pfx_password")}
          label="PFX password"
          description="The password the .pfx file was exported with; leave empty if it has none"
          value={value.azure_client_certificate_pfx_password ?? ""}
          onChange={(e) => onChange({ ...value, azure_client_certificate_pfx_password: e.currentTarget.value })}
          autoComplete="off"
        />
      )}
    </Stack>
  );
}
