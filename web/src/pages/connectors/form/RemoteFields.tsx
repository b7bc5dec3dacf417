import { Group, NumberInput, SimpleGrid, Stack, TextInput } from "@mantine/core";
import type { ConnectionForm } from "./connection-form";

type Set = <K extends keyof ConnectionForm>(key: K, value: ConnectionForm[K]) => void;

/** The id of a form field's input, so a server error naming the field can focus it. */
export const fieldId = (name: string): string => `connection-field-${name}`;

interface Props {
  form: ConnectionForm;
  set: Set;
  errors: Record<string, string>;
}

/** Where an SMB connection connects and as whom (the password is in CredentialFields). */
export function SmbFields({ form, set, errors }: Props) {
  return (
    <Stack gap="sm">
      <Group align="flex-start" gap="sm" wrap="nowrap">
        <TextInput
          id={fieldId("server_host")}
          style={{ flex: 1 }}
          label="Server"
          placeholder="fs01.corp.example.com"
          description={"DNS name or IP address, without \\\\ or smb://"}
          required
          value={form.server_host}
          onChange={(e) => set("server_host", e.currentTarget.value)}
          error={errors.server_host}
          autoComplete="off"
        />
        <NumberInput
          id={fieldId("server_port")}
          label="Port"
          description="Usually 445"
          min={1}
          max={65535}
          allowDecimal={false}
          w={110}
          value={form.server_port}
          onChange={(v) => set("server_port", typeof v === "number" ? v : 445)}
          error={errors.server_port}
        />
      </Group>
      <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
        <TextInput
          id={fieldId("share_name")}
          label="SMB share"
          placeholder="Finance"
          required
          value={form.share_name}
          onChange={(e) => set("share_name", e.currentTarget.value)}
          error={errors.share_name}
        />
        <TextInput
          id={fieldId("base_path")}
          label="Folder in the SMB share"
          placeholder="Empty: the whole share"
          description="Relative to the share, e.g. 2026/Q1"
          value={form.base_path}
          onChange={(e) => set("base_path", e.currentTarget.value)}
          error={errors.base_path}
        />
        <TextInput
          id={fieldId("domain")}
          label="Domain"
          placeholder="CORP — empty for a local account"
          value={form.domain}
          onChange={(e) => set("domain", e.currentTarget.value)}
          error={errors.domain}
          autoComplete="off"
        />
        <TextInput
          id={fieldId("username")}
          label="User name"
          description="The service account the connection signs in with"
          required
          value={form.username}
          onChange={(e) => set("username", e.currentTarget.value)}
          error={errors.username}
          autoComplete="off"
        />
      </SimpleGrid>
    </Stack>
  );
}

/** Which SharePoint library (optional: it can be chosen after saving) and folder. */
export function SharePointSiteFields({ form, set, errors }: Props) {
  return (
    <Stack gap="sm">
      <TextInput
        id={fieldId("site_url")}
        label="Site URL"
        placeholder="https://contoso.sharepoint.com/sites/marketing"
        description="Empty: choose the site and library after saving"
        value={form.site_url}
        onChange={(e) => set("site_url", e.currentTarget.value)}
        error={errors.site_url ?? errors.drive_id}
      />
      <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
        <TextInput
          id={fieldId("library_name")}
          label="Library"
          placeholder="Documents"
          description="Empty: the site's default library"
          value={form.library_name}
          onChange={(e) => set("library_name", e.currentTarget.value)}
          error={errors.library_name}
        />
        <TextInput
          id={fieldId("base_path")}
          label="Folder in the library"
          placeholder="Empty: the whole library"
          value={form.base_path}
          onChange={(e) => set("base_path", e.currentTarget.value)}
          error={errors.base_path}
        />
      </SimpleGrid>
    </Stack>
  );
}

/** The Entra ID app registration every SharePoint connection names (both sign-in kinds). */
export function SharePointAppFields({ form, set, errors }: Props) {
  return (
    <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
      <TextInput
        id={fieldId("azure_tenant_id")}
        label="Tenant ID"
        placeholder="contoso.onmicrosoft.com or a GUID"
        required
        value={form.azure_tenant_id}
        onChange={(e) => set("azure_tenant_id", e.currentTarget.value)}
        error={errors.azure_tenant_id}
        autoComplete="off"
      />
      <TextInput
        id={fieldId("azure_client_id")}
        label="Client ID"
        placeholder="Application (client) ID"
        required
        value={form.azure_client_id}
        onChange={(e) => set("azure_client_id", e.currentTarget.value)}
        error={errors.azure_client_id}
        autoComplete="off"
      />
    </SimpleGrid>
  );
}
