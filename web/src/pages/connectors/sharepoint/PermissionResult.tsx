import { Alert, Badge, Group, Stack, Text } from "@mantine/core";
import { needsWrite, type ConnectionTest } from "../../../api/sharepoint";

const ACCESS_LABELS = { read: "Read", write: "Read and write", none: "None" } as const;

/**
 * What a connection test found: the access the credential has in the library and the grant giving it, with a warning
 * when the direction writes to SharePoint but only read access was granted.
 */
export function PermissionResult({ result, direction }: { result: ConnectionTest; direction: unknown }) {
  if (!result.success)
    return (
      <Alert color="red" role="alert" title="The connection test failed">
        {result.error?.message ?? result.message}
      </Alert>
    );
  const access = result.permissions?.access ?? "none";
  return (
    <Stack gap="xs">
      <Group gap="xs">
        <Text size="sm" fw={500}>
          SharePoint access:
        </Text>
        <Badge
          variant="light"
          color={access === "write" ? "teal" : access === "read" ? "orange" : "red"}
          // Orange text on its light tint is too faint to read (axe contrast): dark text on the orange tint.
          c={access === "read" ? "dark.7" : undefined}
          style={{ textTransform: "none" }}
        >
          {ACCESS_LABELS[access]}
        </Badge>
      </Group>
      {result.permissions?.via && (
        <Text size="sm" c="dimmed">
          Granted by {result.permissions.via}
        </Text>
      )}
      {access !== "write" && needsWrite(direction) && (
        <Alert
          color="orange"
          role="alert"
          title="Write access is missing"
          styles={{ label: { color: "var(--mantine-color-dark-7)" } }}
        >
          This connection copies changes from ScaiDrive to SharePoint, but the app may only read here. Grant it write
          access in Microsoft Entra (e.g. Sites.Selected with the write role on this site), or sync from SharePoint to
          ScaiDrive only.
        </Alert>
      )}
    </Stack>
  );
}
