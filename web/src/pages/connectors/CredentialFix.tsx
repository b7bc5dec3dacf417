import { useState } from "react";
import { Alert, Button, Group, Stack, Text } from "@mantine/core";
import { IconKey } from "@tabler/icons-react";
import { useQueryClient } from "@tanstack/react-query";
import { ALERTS_KEY } from "../../api/alerts";
import { connectorKeys, type Connector } from "../../api/connectors";
import { errorText } from "../../api/error-text";
import { patchConnector } from "../../api/connector-save";
import { AppDialog } from "../../components/AppDialog";
import { CredentialFields, type CredentialValue } from "./form/CredentialFields";
import { SignInAgainButton } from "./sharepoint/SignInAgainButton";
import { TYPE_LABELS } from "./labels";

const hasValue = (v: CredentialValue) => Object.values(v).some((x) => typeof x === "string" && x !== "");

/** What the fix of an authentication failure asks for, per kind of connection. */
function fixLabel(c: Connector): string {
  if (c.type === "smb") return "Enter the new password";
  return "Enter a new secret or certificate";
}

/**
 * The one-step fix in the banner of a connection an authentication failure disabled: a new password (SMB), a new
 * client secret or certificate (SharePoint app), or a new Microsoft sign-in (SharePoint delegated). Saving the new
 * credential re-enables the connection and resolves its alert on the server.
 */
export function CredentialFixButton({ connector }: { connector: Connector }) {
  const [opened, setOpened] = useState(false);
  if (connector.type === "sharepoint" && connector.auth_type === "user_auth")
    return <SignInAgainButton connectorId={connector.id} color="red" />;
  const label = fixLabel(connector);
  return (
    <>
      <Button color="red" leftSection={<IconKey size={16} aria-hidden />} onClick={() => setOpened(true)}>
        {label}
      </Button>
      <AppDialog opened={opened} onClose={() => setOpened(false)} title={label}>
        <FixBody connector={connector} onClose={() => setOpened(false)} />
      </AppDialog>
    </>
  );
}

function FixBody({ connector, onClose }: { connector: Connector; onClose: () => void }) {
  const queryClient = useQueryClient();
  const [value, setValue] = useState<CredentialValue>({});
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  async function save(event: React.FormEvent) {
    event.preventDefault();
    if (!hasValue(value)) {
      setError(
        new Error(connector.type === "smb" ? "Enter the new password." : "Enter a client secret or a certificate."),
      );
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await patchConnector(connector.type, connector.id, { ...value });
      await Promise.all([
        queryClient.invalidateQueries({ queryKey: connectorKeys.all }),
        queryClient.invalidateQueries({ queryKey: ALERTS_KEY }),
      ]);
      onClose();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form onSubmit={(e) => void save(e)} noValidate>
      <Stack gap="md">
        <Text size="sm">
          The {TYPE_LABELS[connector.type]} server refused the stored credential. Saving the new one enables the
          connection again; the next scheduled run or Run now uses it.
        </Text>
        <CredentialFields
          type={connector.type}
          authType="app_auth"
          connector={connector}
          value={value}
          onChange={setValue}
          required
        />
        {error != null && (
          <Alert color="red" role="alert" title="Not saved">
            {errorText(error)}
          </Alert>
        )}
        <Group justify="flex-end" gap="sm">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button type="submit" loading={busy}>
            Save and enable
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
