import { useState } from "react";
import { Alert, Button, Group, Stack, Text } from "@mantine/core";
import { useQueryClient } from "@tanstack/react-query";
import { connectorKeys, type Connector } from "../../../api/connectors";
import { errorText } from "../../../api/error-text";
import { patchConnector } from "../../../api/connector-save";
import { authorize, testConnection, type ConnectionTest, type Library, type Site } from "../../../api/sharepoint";
import { CredentialFields, type CredentialValue } from "../form/CredentialFields";
import { dropCredential, heldCredential } from "../credential-handoff";
import { PermissionResult } from "./PermissionResult";

export interface SyncChoice {
  site: Site;
  library: Library;
  /** Library-relative folder; "" = the whole library. */
  path: string;
}

const hasValue = (v: CredentialValue) => Object.values(v).some((x) => typeof x === "string" && x !== "");

/**
 * Saves the chosen site, library and folder. They decide where the credential goes, so the server wants a stored app
 * secret or certificate again (SECRET_REQUIRED), and drops a user's sign-in: a delegated connection signs in with
 * Microsoft again right after. An application connection is tested at once and shows the access it got.
 */
export function SyncChoiceConfirm({
  connector,
  choice,
  onBack,
  onClose,
}: {
  connector: Connector;
  choice: SyncChoice;
  onBack: () => void;
  onClose: () => void;
}) {
  const queryClient = useQueryClient();
  const userAuth = connector.auth_type === "user_auth";
  const unchanged = connector.drive_id === choice.library.drive_id && (connector.base_path ?? "") === choice.path;
  const storedAppCredential =
    connector.azure_client_secret_set === true || connector.azure_client_certificate_pem_set === true;
  const needCredential = !unchanged && storedAppCredential;
  // Just typed in the Add connection dialog: sent again without asking.
  const [handed] = useState(() => (needCredential ? heldCredential(connector.id) : undefined));
  const askCredential = needCredential && !handed;
  const [credential, setCredential] = useState<CredentialValue>({});
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [result, setResult] = useState<ConnectionTest | null>(null);
  const where = `${choice.site.display_name || choice.site.name} › ${choice.library.name}${choice.path ? ` › ${choice.path.split("/").join(" › ")}` : ""}`;

  async function save(event: React.FormEvent) {
    event.preventDefault();
    if (askCredential && !hasValue(credential)) {
      setError(new Error("Enter the client secret or certificate again to save the new place."));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      // The same place again changes nothing (a save re-enables, though); names spelled differently from the stored
      // ones would count as a change of place and want the secret.
      await patchConnector(
        "sharepoint",
        connector.id,
        unchanged
          ? {}
          : {
              site_id: choice.site.site_id,
              drive_id: choice.library.drive_id,
              base_path: choice.path,
              library_name: choice.library.name,
              // site_url is what the settings show; a site without an https address keeps the stored one.
              ...(choice.site.web_url.startsWith("https://") ? { site_url: choice.site.web_url } : {}),
              ...(askCredential ? credential : (handed ?? {})),
            },
      );
      dropCredential(connector.id);
      await queryClient.invalidateQueries({ queryKey: connectorKeys.all });
      if (userAuth && !unchanged) {
        const { authorization_url } = await authorize(connector.id);
        window.location.assign(authorization_url);
        return;
      }
      setResult(await testConnection(connector.id));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  if (result)
    return (
      <Stack gap="md">
        <Alert color="teal" variant="light" title="Saved" role="status">
          This connection now syncs {where}.
        </Alert>
        <PermissionResult result={result} direction={connector.sync_direction} />
        <Group justify="flex-end">
          <Button onClick={onClose} data-autofocus>
            Done
          </Button>
        </Group>
      </Stack>
    );

  return (
    <form onSubmit={(e) => void save(e)} noValidate>
      <Stack gap="md">
        <Stack gap={2}>
          <Text size="sm" c="dimmed">
            Sync
          </Text>
          <Text fw={600} style={{ overflowWrap: "anywhere" }}>
            {where}
          </Text>
          <Text size="sm" c="dimmed">
            {choice.path ? "Only this folder and what is inside it." : "The whole library."} Files already in ScaiDrive
            stay; the next run brings this place in step.
          </Text>
        </Stack>
        {askCredential && (
          <CredentialFields
            type="sharepoint"
            authType="app_auth"
            connector={connector}
            value={credential}
            onChange={setCredential}
            required
            reason="The credential is sent to a new site, library or folder: enter it again."
          />
        )}
        {handed && (
          <Text size="sm" c="dimmed">
            The secret or certificate you entered when adding this connection is sent with the new place.
          </Text>
        )}
        {userAuth && !unchanged && (
          <Text size="sm">
            Saving signs the Microsoft account out of this connection: you will sign in with Microsoft again right
            after.
          </Text>
        )}
        {error != null && (
          <Alert color="red" role="alert" title="Not saved">
            {errorText(error)}
          </Alert>
        )}
        <Group justify="space-between" gap="sm">
          <Button variant="default" onClick={onBack}>
            Back
          </Button>
          <Button type="submit" loading={busy}>
            {userAuth && !unchanged ? "Save and sign in with Microsoft" : "Save"}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
