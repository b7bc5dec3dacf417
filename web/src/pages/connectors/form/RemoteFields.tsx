import { Group, NumberInput, SimpleGrid, Stack, TextInput, type TextInputProps } from "@mantine/core";
import type { ConnectionForm } from "./connection-form";

type Set = <K extends keyof ConnectionForm>(key: K, value: ConnectionForm[K]) => void;

/** The id of a form field's input, so a server error naming the field can focus it. */
export const fieldId = (name: string): string => `connection-field-${name}`;

interface Props {
  form: ConnectionForm;
  set: Set;
  errors: Record<string, string>;
}

type TextField = {
  [K in keyof ConnectionForm]: ConnectionForm[K] extends string ? K : never;
}[keyof ConnectionForm];

/** A text input bound to one form field: its id (for focusing a field the server names), value, change and error. */
function FieldInput({
  name,
  bind: { form, set, errors },
  error,
  ...input
}: { name: TextField; bind: Props } & Omit<TextInputProps, "id" | "value" | "onChange" | "name" | "form">) {
  return (
    <TextInput
      id={fieldId(name)}
      value={form[name]}
      onChange={(e) => set(name, e.currentTarget.value)}
      error={error ?? errors[name]}
      {...input}
    />
  );
}

/** Where an SMB connection connects and as whom (the password is in CredentialFields). */
export function SmbFields(bind: Props) {
  const { form, set, errors } = bind;
  return (
    <Stack gap="sm">
      <Group align="flex-start" gap="sm" wrap="nowrap">
        <FieldInput
          name="server_host"
          bind={bind}
          style={{ flex: 1 }}
          label="Server"
          placeholder="fs01.corp.example.com"
          description={"DNS name or IP address, without \\\\ or smb://"}
          required
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
        <FieldInput name="share_name" bind={bind} label="SMB share" placeholder="Finance" required />
        <FieldInput
          name="base_path"
          bind={bind}
          label="Folder in the SMB share"
          placeholder="Empty: the whole share"
          description="Relative to the share, e.g. 2026/Q1"
        />
        <FieldInput
          name="domain"
          bind={bind}
          label="Domain"
          placeholder="CORP — empty for a local account"
          autoComplete="off"
        />
        <FieldInput
          name="username"
          bind={bind}
          label="User name"
          description="The service account the connection signs in with"
          required
          autoComplete="off"
        />
      </SimpleGrid>
    </Stack>
  );
}

/** Which SharePoint library (optional: it can be chosen after saving) and folder. */
export function SharePointSiteFields(bind: Props) {
  const { errors } = bind;
  return (
    <Stack gap="sm">
      <FieldInput
        name="site_url"
        bind={bind}
        label="Site URL"
        placeholder="https://contoso.sharepoint.com/sites/marketing"
        description="Empty: choose the site and library after saving"
        error={errors.site_url ?? errors.drive_id}
      />
      <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
        <FieldInput
          name="library_name"
          bind={bind}
          label="Library"
          placeholder="Documents"
          description="Empty: the site's default library"
        />
        <FieldInput name="base_path" bind={bind} label="Folder in the library" placeholder="Empty: the whole library" />
      </SimpleGrid>
    </Stack>
  );
}

/** The Entra ID app registration every SharePoint connection names (both sign-in kinds). */
export function SharePointAppFields(bind: Props) {
  return (
    <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
      <FieldInput
        name="azure_tenant_id"
        bind={bind}
        label="Tenant ID"
        placeholder="contoso.onmicrosoft.com or a GUID"
        required
        autoComplete="off"
      />
      <FieldInput
        name="azure_client_id"
        bind={bind}
        label="Client ID"
        placeholder="Application (client) ID"
        required
        autoComplete="off"
      />
    </SimpleGrid>
  );
}
