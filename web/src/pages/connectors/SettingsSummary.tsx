import { SimpleGrid, Stack, Text } from "@mantine/core";
import type { Connector } from "../../api/connectors";
import { formatDate } from "../../format";
import { directionLabel, scheduleLabel } from "./labels";

type Row = [label: string, value: string];

const yesNo = (v: unknown): string => (v === true ? "Yes" : v === false ? "No" : "—");
const text = (v: unknown): string => (typeof v === "string" && v ? v : typeof v === "number" ? String(v) : "—");
/** A write-only secret: the API says only whether one is stored. */
const secret = (v: unknown): string => (v === true ? "set" : "not set");

function conflictLabel(v: unknown): string {
  const words = text(v).replace(/_/g, " ").toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** Who signed in with Microsoft for a delegated connection, and when; "Not signed in" without a stored grant. */
function microsoftAccount(c: Connector): string {
  const user = c.authorized_user as { name?: string | null; email?: string } | undefined;
  if (c.refresh_token_set !== true || !user?.email) return "Not signed in";
  const who = user.name ? `${user.name} (${user.email})` : user.email;
  return typeof c.authorized_at === "string" ? `${who}, signed in ${formatDate(c.authorized_at)}` : who;
}

/** Fields only managers of the target share receive, per type; readers see the common ones. */
function typeRows(c: Connector): Row[] {
  if (!("server_host" in c) && !("site_url" in c) && !("site_id" in c)) return [];
  if (c.type === "smb")
    return [
      ["Server", `${text(c.server_host)}${typeof c.server_port === "number" ? `:${c.server_port}` : ""}`],
      ["SMB share", text(c.share_name)],
      ["Folder in the share", text(c.base_path) === "—" ? "Whole share" : text(c.base_path)],
      ["Account", c.domain ? `${text(c.domain)}\\${text(c.username)}` : text(c.username)],
      ["Password", secret(c.password_set)],
    ];
  return [
    ["Site", text(c.site_url)],
    ["Library", text(c.library_name)],
    ["Folder in the library", text(c.base_path) === "—" ? "Whole library" : text(c.base_path)],
    ["Sign-in", c.auth_type === "user_auth" ? "Delegated (user sign-in)" : "Application"],
    ["Tenant", text(c.azure_tenant_id)],
    ["Client ID", text(c.azure_client_id)],
    ["Client secret", secret(c.azure_client_secret_set)],
    ["Client certificate", secret(c.azure_client_certificate_pem_set)],
    ["Refresh token", secret(c.refresh_token_set)],
    ...(c.auth_type === "user_auth" ? ([["Microsoft account", microsoftAccount(c)]] as Row[]) : []),
    ["Versions", yesNo(c.sync_versions)],
  ];
}

/** The connector's settings as label/value pairs (a description list). */
export function SettingsSummary({ connector: c, shareName }: { connector: Connector; shareName: string | undefined }) {
  const remote = typeRows(c);
  const rows: Row[] = [
    // Managers see where it connects field by field below; readers are told why they do not.
    ...(remote.length ? [] : ([["Remote", "Hidden (needs Manage permissions on the target share)"]] as Row[])),
    ["Target", `${shareName ?? c.target_share_id} › ${c.target_path ?? "/"}`],
    ["Direction", directionLabel(c)],
    ["Conflicts", conflictLabel(c.conflict_resolution)],
    ["Schedule", scheduleLabel(c.sync_interval_minutes)],
    ...remote,
    ["Permissions", c.sync_permissions === true ? "Synced through identity mappings" : "Not synced"],
    ["Hidden files", yesNo(c.sync_hidden_files)],
    ["System files", yesNo(c.sync_system_files)],
    ["Deletion stop", typeof c.max_delete_percent === "number" ? `Above ${c.max_delete_percent}% of files` : "—"],
    ["Created", formatDate(c.created_at)],
    ["Updated", formatDate(c.updated_at)],
  ];
  return (
    <SimpleGrid component="dl" cols={{ base: 1, sm: 2, lg: 3 }} spacing="lg" verticalSpacing="sm" m={0}>
      {rows.map(([label, value]) => (
        <Stack key={label} gap={0}>
          <Text component="dt" size="xs" c="dimmed" fw={500}>
            {label}
          </Text>
          <Text component="dd" size="sm" m={0} style={{ overflowWrap: "anywhere" }}>
            {value}
          </Text>
        </Stack>
      ))}
    </SimpleGrid>
  );
}
