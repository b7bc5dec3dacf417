import { useEffect, useState } from "react";
import { Alert, Button, Divider, Group, Radio, Stack, Tabs, Text, TextInput, Textarea, Title } from "@mantine/core";
import { IconBrandWindows, IconKey, IconPlugConnected, IconServer } from "@tabler/icons-react";
import { useQueryClient } from "@tanstack/react-query";
import { useNavigate } from "react-router";
import { connectorKeys, type Connector, type ConnectorType } from "../../../api/connectors";
import {
  authorizeSharePoint,
  createConnector,
  testConnection,
  testNewConnection,
  updateConnector,
  type ConnectionTestResult,
} from "../../../api/connector-edit";
import { ApiError } from "../../../api/http";
import { errorText } from "../../../api/error-text";
import { AppDialog } from "../../../components/AppDialog";
import { ErrorNotice } from "../../../components/ErrorNotice";
import { CredentialFields, credentialInputId, type CredentialValue } from "./CredentialFields";
import {
  changedScopeFields,
  createBody,
  FIELD_LABELS,
  hasCredential,
  hasStoredSecret,
  initialForm,
  patchBody,
  type AuthType,
  type ConnectionForm,
} from "./connection-form";
import { DirectionFields, ScheduleFields } from "./SyncOptionFields";
import { FilterFields } from "./FilterFields";
import { fieldId, SharePointAppFields, SharePointSiteFields, SmbFields } from "./RemoteFields";
import { TargetFields } from "./TargetFields";
import { testResultText } from "./test-result-text";
import { holdCredential } from "../credential-handoff";

const CREDENTIAL_FIELDS = new Set<string>([
  "password",
  "azure_client_secret",
  "azure_client_certificate_pem",
  "azure_client_certificate_pfx",
  "azure_client_certificate_pfx_password",
]);

/** Server field names shown on another input of the form. */
const FIELD_ALIASES: Record<string, string> = { drive_id: "site_url", site_id: "site_url" };

/**
 * Add a connection (type first: SMB or SharePoint) or edit one. A Test connection button asks the server to connect
 * with what the form says — nothing is saved — and shows its answer in words. Saving an SMB connection opens its page;
 * a SharePoint one goes on to sign in with Microsoft (delegated) or to choose its library (app registration).
 */
export function ConnectionDialog({
  opened,
  onClose,
  connector,
}: {
  opened: boolean;
  onClose: () => void;
  connector?: Connector;
}) {
  return (
    <AppDialog
      opened={opened}
      onClose={onClose}
      title={connector ? `Edit “${connector.name}”` : "Add connection"}
      size="xl"
    >
      {connector ? (
        <ConnectionFormBody type={connector.type} connector={connector} onClose={onClose} />
      ) : (
        <AddFlow onClose={onClose} />
      )}
    </AppDialog>
  );
}

function AddFlow({ onClose }: { onClose: () => void }) {
  const [choice, setChoice] = useState<ConnectorType>("smb");
  const [type, setType] = useState<ConnectorType | null>(null);
  if (type) return <ConnectionFormBody type={type} onClose={onClose} onBack={() => setType(null)} />;
  return (
    <Stack gap="md">
      <Radio.Group label="What do you want to connect?" value={choice} onChange={(v) => setChoice(v as ConnectorType)}>
        <Stack gap="sm" mt="xs">
          <TypeCard
            value="smb"
            icon={<IconServer size={22} />}
            title="Windows file share (SMB)"
            text="A share on a Windows or Samba file server, reached with a service account."
          />
          <TypeCard
            value="sharepoint"
            icon={<IconBrandWindows size={22} />}
            title="SharePoint document library"
            text="A library on SharePoint Online, reached through Microsoft sign-in or an app registration."
          />
        </Stack>
      </Radio.Group>
      <Group justify="flex-end">
        <Button variant="default" onClick={onClose}>
          Cancel
        </Button>
        <Button onClick={() => setType(choice)}>Continue</Button>
      </Group>
    </Stack>
  );
}

function TypeCard({ value, icon, title, text }: { value: string; icon: React.ReactNode; title: string; text: string }) {
  return (
    <Radio.Card value={value} radius="md" p="md" aria-label={title}>
      <Group wrap="nowrap" align="flex-start" gap="md">
        <Radio.Indicator />
        <span aria-hidden="true">{icon}</span>
        <Stack gap={2}>
          <Text fw={600} size="sm">
            {title}
          </Text>
          <Text size="sm" c="dimmed">
            {text}
          </Text>
        </Stack>
      </Group>
    </Radio.Card>
  );
}

function Section({ id, title, children }: { id: string; title: string; children: React.ReactNode }) {
  return (
    <Stack component="section" gap="sm" aria-labelledby={`connection-section-${id}`}>
      <Title order={3} size="h5" id={`connection-section-${id}`}>
        {title}
      </Title>
      {children}
    </Stack>
  );
}

type TestState = { result: ConnectionTestResult } | { error: unknown } | null;

function focusField(field: string) {
  const id = CREDENTIAL_FIELDS.has(field) ? credentialInputId(field) : fieldId(FIELD_ALIASES[field] ?? field);
  // The input appears when the error makes the secret field editable: wait for that render.
  requestAnimationFrame(() => document.getElementById(id)?.focus());
}

/** Required fields the form leaves empty, as field errors. */
function missing(type: ConnectorType, f: ConnectionForm, editing: boolean): Record<string, string> {
  const out: Record<string, string> = {};
  const need = (k: keyof ConnectionForm, label: string) => {
    if (typeof f[k] === "string" && (f[k] as string).trim() === "") out[k] = `Enter the ${label}.`;
  };
  // In the order of the form, so the first gap is the first one the focus goes to.
  need("name", "name of the connection");
  if (type === "smb") {
    need("server_host", "server");
    need("share_name", "SMB share");
    need("username", "user name");
  } else {
    need("azure_tenant_id", "tenant ID");
    need("azure_client_id", "client ID");
  }
  if (!editing) need("target_share_id", "share to sync into");
  return out;
}

function ConnectionFormBody({
  type,
  connector,
  onClose,
  onBack,
}: {
  type: ConnectorType;
  connector?: Connector;
  onClose: () => void;
  onBack?: () => void;
}) {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const editing = connector !== undefined;
  const [form, setForm] = useState<ConnectionForm>(() => initialForm(type, connector));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [test, setTest] = useState<TestState>(null);
  const [testing, setTesting] = useState(false);
  const [saving, setSaving] = useState(false);
  const [saveError, setSaveError] = useState<unknown>(null);
  const [secretDemanded, setSecretDemanded] = useState<string | null>(null);
  // After the type step the form replaces the focused Continue button: start at its first field.
  useEffect(() => document.getElementById(fieldId("name"))?.focus(), []);

  const set = <K extends keyof ConnectionForm>(key: K, value: ConnectionForm[K]) => {
    setForm((f) => ({ ...f, [key]: value }));
    setErrors((e) => {
      if (!(key in e)) return e;
      const { [key]: _gone, ...rest } = e;
      return rest;
    });
    setTest(null);
  };
  const setCredentials = (v: CredentialValue) => {
    set("credentials", v);
    setErrors((e) => Object.fromEntries(Object.entries(e).filter(([k]) => !CREDENTIAL_FIELDS.has(k))));
  };

  const scope = changedScopeFields(type, connector, form);
  const secretWord = type === "smb" ? "password" : "client secret or certificate";
  const secretRequired = (scope.length > 0 && hasStoredSecret(type, connector, form.auth_type)) || !!secretDemanded;
  const scopeReason =
    scope.length > 0
      ? `You changed the ${scope.map((k) => FIELD_LABELS[k] ?? k).join(", ")}: enter the ${secretWord} again. ` +
        `A stored ${secretWord} only ever goes where it was entered for.`
      : (secretDemanded ?? undefined);
  const credentialError = Object.entries(errors).find(([k]) => CREDENTIAL_FIELDS.has(k))?.[1];
  const signOutNote =
    type === "sharepoint" && form.auth_type === "user_auth" && scope.length > 0 && connector?.refresh_token_set === true
      ? "Changing where this connection signs in signs the Microsoft account out: you sign in again after saving."
      : null;

  /** Shows a refused request on its field (and focuses it), else as a notice. @returns whether a field took it */
  function showApiError(err: unknown): boolean {
    if (!(err instanceof ApiError)) return false;
    const field = typeof err.details?.field === "string" ? err.details.field : undefined;
    if (!field) return false;
    const message = errorText(err);
    if (err.code === "SECRET_REQUIRED") setSecretDemanded(message);
    setErrors((e) => ({ ...e, [FIELD_ALIASES[field] ?? field]: message }));
    focusField(field);
    return true;
  }

  function checkRequired(): boolean {
    const gaps = missing(type, form, editing);
    if (Object.keys(gaps).length === 0) return true;
    setErrors(gaps);
    focusField(Object.keys(gaps)[0]!);
    return false;
  }

  async function runTest() {
    setSaveError(null);
    if (!checkRequired()) return;
    setTesting(true);
    setTest(null);
    try {
      const result = connector
        ? await testConnection(type, connector.id, patchBody(type, connector, form))
        : await testNewConnection(type, createBody(type, form));
      setTest({ result });
    } catch (err) {
      if (!showApiError(err)) setTest({ error: err });
    } finally {
      setTesting(false);
    }
  }

  async function save() {
    setSaveError(null);
    if (!checkRequired()) return;
    setSaving(true);
    try {
      const body = connector ? patchBody(type, connector, form) : createBody(type, form);
      const saved = connector ? await updateConnector(type, connector.id, body) : await createConnector(type, body);
      // The library browser opens next and needs the credential again to save the library it chooses.
      if (!connector && type === "sharepoint" && saved.auth_type !== "user_auth") holdCredential(saved.id, body);
      await queryClient.invalidateQueries({ queryKey: connectorKeys.all });
      if (type === "sharepoint" && saved.auth_type === "user_auth" && saved.refresh_token_set !== true) {
        const { authorization_url } = await authorizeSharePoint(saved.id);
        window.location.assign(authorization_url);
        return;
      }
      onClose();
      if (!connector) {
        const page = `/connectors/${type}/${encodeURIComponent(saved.id)}`;
        navigate(type === "sharepoint" ? `${page}?browse=1` : page);
      }
    } catch (err) {
      if (!showApiError(err)) setSaveError(err);
    } finally {
      setSaving(false);
    }
  }

  const credentials = (authType: AuthType) => (
    <CredentialFields
      type={type}
      authType={authType}
      connector={connector}
      value={form.credentials}
      onChange={setCredentials}
      required={secretRequired}
      reason={credentialError ?? (secretRequired ? scopeReason : undefined)}
    />
  );

  return (
    <form
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      <Stack gap="lg">
        {!editing && (
          <Text size="sm" c="dimmed">
            {type === "smb"
              ? "A Windows file share (SMB) kept in step with a folder in ScaiDrive."
              : "A SharePoint document library kept in step with a folder in ScaiDrive."}
          </Text>
        )}
        <Section id="general" title="General">
          <TextInput
            id={fieldId("name")}
            label="Name"
            required
            value={form.name}
            onChange={(e) => set("name", e.currentTarget.value)}
            error={errors.name}
            data-autofocus
          />
          <Textarea
            id={fieldId("description")}
            label="Description"
            autosize
            minRows={1}
            maxRows={4}
            value={form.description}
            onChange={(e) => set("description", e.currentTarget.value)}
            error={errors.description}
          />
        </Section>
        <Divider />
        {type === "smb" ? (
          <Section id="remote" title="File server">
            <SmbFields form={form} set={set} errors={errors} />
            {credentials("app_auth")}
          </Section>
        ) : (
          <>
            <Section id="sign-in" title="Sign-in">
              <Tabs
                value={form.auth_type}
                onChange={(v) => set("auth_type", (v as AuthType | null) ?? "app_auth")}
                keepMounted={false}
              >
                <Tabs.List>
                  <Tabs.Tab value="user_auth" leftSection={<IconBrandWindows size={16} />}>
                    Sign in with Microsoft
                  </Tabs.Tab>
                  <Tabs.Tab value="app_auth" leftSection={<IconKey size={16} />}>
                    App registration
                  </Tabs.Tab>
                </Tabs.List>
                <Tabs.Panel value="user_auth" pt="sm">
                  <Stack gap="sm">
                    <Text size="sm">
                      The connection works as the Microsoft account that signs in after saving, with that account's
                      access. It needs an app registration that allows delegated sign-in.
                    </Text>
                    <SharePointAppFields form={form} set={set} errors={errors} />
                    {credentials("user_auth")}
                  </Stack>
                </Tabs.Panel>
                <Tabs.Panel value="app_auth" pt="sm">
                  <Stack gap="sm">
                    <Text size="sm">
                      The connection works as the app itself, with the permissions granted to it (Sites.Selected or
                      Sites.ReadWrite.All).
                    </Text>
                    <SharePointAppFields form={form} set={set} errors={errors} />
                    {credentials("app_auth")}
                  </Stack>
                </Tabs.Panel>
              </Tabs>
              {signOutNote && (
                <Text size="sm" c="orange.8">
                  {signOutNote}
                </Text>
              )}
            </Section>
            <Section id="library" title="Library">
              <SharePointSiteFields form={form} set={set} errors={errors} />
            </Section>
          </>
        )}
        <Divider />
        <Section id="target" title="In ScaiDrive">
          <TargetFields
            shareId={form.target_share_id}
            path={form.target_path}
            editing={editing}
            onShare={(id) => set("target_share_id", id)}
            onPath={(p) => set("target_path", p)}
            shareError={errors.target_share_id}
            pathError={errors.target_path}
          />
        </Section>
        <Divider />
        <Section id="direction" title="Direction and conflicts">
          <DirectionFields type={type} form={form} set={set} />
        </Section>
        <Divider />
        <Section id="filters" title="Filters">
          <FilterFields form={form} set={set} />
        </Section>
        <Divider />
        <Section id="options" title="Options and schedule">
          <ScheduleFields type={type} form={form} set={set} />
        </Section>
        <TestAnswer test={test} />
        {saveError !== null && <ErrorNotice error={saveError} title="Not saved" />}
        <Group justify="space-between" gap="sm">
          <Group gap="sm">
            {onBack && (
              <Button variant="subtle" onClick={onBack}>
                Back
              </Button>
            )}
            <Button
              variant="default"
              leftSection={<IconPlugConnected size={16} />}
              onClick={() => void runTest()}
              loading={testing}
              disabled={
                type === "sharepoint" && form.auth_type === "user_auth" && connector?.refresh_token_set !== true
              }
              title={
                type === "sharepoint" && form.auth_type === "user_auth" && connector?.refresh_token_set !== true
                  ? "Sign in with Microsoft first (after saving)"
                  : undefined
              }
            >
              Test connection
            </Button>
          </Group>
          <Group gap="sm">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={saving} disabled={editing && !dirty(type, connector, form)}>
              {editing ? "Save" : type === "sharepoint" && form.auth_type === "user_auth" ? "Save and sign in" : "Save"}
            </Button>
          </Group>
        </Group>
      </Stack>
    </form>
  );
}

function dirty(type: ConnectorType, c: Connector | undefined, f: ConnectionForm): boolean {
  if (!c) return true;
  return Object.keys(patchBody(type, c, f)).length > 0 || hasCredential(f);
}

function TestAnswer({ test }: { test: TestState }) {
  if (!test) return null;
  if ("error" in test)
    return (
      <section aria-label="Test result">
        <ErrorNotice error={test.error} title="The test could not run" />
      </section>
    );
  const { title, detail } = testResultText(test.result);
  return (
    <section aria-label="Test result">
      <Alert color={test.result.success ? "teal" : "red"} title={title} role={test.result.success ? "status" : "alert"}>
        {detail}
      </Alert>
    </section>
  );
}
