import { useState } from "react";
import { ActionIcon, Button, Group, Stack, Table, Text, Title, VisuallyHidden } from "@mantine/core";
import { IconPlus, IconTrash } from "@tabler/icons-react";
import { useQueryClient } from "@tanstack/react-query";
import type { ConnectorType } from "../../api/connectors";
import {
  mappingKeys,
  removeIdentityMapping,
  useIdentityMappings,
  type IdentityMapping,
} from "../../api/identity-mappings";
import { ConfirmDialog } from "../../components/ConfirmDialog";
import { ErrorNotice } from "../../components/ErrorNotice";
import { PageLoader } from "../../components/PageLoader";
import { usePrincipal } from "../../components/files/principal-names";
import { formatDate } from "../../format";
import { AddMappingDialog } from "./AddMappingDialog";

const REMOTE_COLUMN: Record<ConnectorType, string> = {
  smb: "SMB user or group",
  sharepoint: "Entra user or group",
};

/**
 * A connection's identity mappings (managers only): which remote users and groups stand for which ScaiDrive users
 * and groups when permissions and owners are synced. Add through a dialog; Remove asks first.
 */
export function IdentityMappingsSection({
  type,
  connectorId,
  syncPermissions,
}: {
  type: ConnectorType;
  connectorId: string;
  syncPermissions: boolean;
}) {
  const queryClient = useQueryClient();
  const mappings = useIdentityMappings(type, connectorId);
  const [adding, setAdding] = useState(false);
  const [removing, setRemoving] = useState<IdentityMapping | null>(null);
  const list = mappings.data ?? [];

  return (
    <section aria-labelledby="mappings-heading">
      <Group justify="space-between" align="flex-end" mb="sm" wrap="wrap" gap="sm">
        <Stack gap={2}>
          <Title order={2} size="h3" id="mappings-heading">
            Identity mappings
          </Title>
          <Text size="sm" c="dimmed">
            {syncPermissions
              ? "Permissions and owners synced from the remote name these users and groups; " +
                "unmapped ones go to the connection's creator."
              : "Used when the connection syncs permissions (it does not at present)."}
          </Text>
        </Stack>
        <Button leftSection={<IconPlus size={16} />} variant="default" onClick={() => setAdding(true)}>
          Add mapping
        </Button>
      </Group>
      {mappings.isPending && <PageLoader />}
      {mappings.isError && <ErrorNotice error={mappings.error} />}
      {mappings.data && list.length === 0 && (
        <Text size="sm" c="dimmed">
          No identity mappings yet.
        </Text>
      )}
      {list.length > 0 && (
        <Table.ScrollContainer minWidth={700}>
          <Table aria-label="Identity mappings" verticalSpacing="xs">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{REMOTE_COLUMN[type]}</Table.Th>
                <Table.Th>Kind</Table.Th>
                <Table.Th>ScaiDrive user or group</Table.Th>
                <Table.Th>Added</Table.Th>
                <Table.Th>
                  <VisuallyHidden>Actions</VisuallyHidden>
                </Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {list.map((m) => (
                <MappingRow key={m.id} m={m} onRemove={() => setRemoving(m)} />
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      <AddMappingDialog opened={adding} onClose={() => setAdding(false)} type={type} connectorId={connectorId} />
      <ConfirmDialog
        opened={removing !== null}
        onClose={() => setRemoving(null)}
        title="Remove identity mapping"
        confirmLabel="Remove"
        danger
        onConfirm={async () => {
          await removeIdentityMapping(type, connectorId, removing!.id);
          await queryClient.invalidateQueries({ queryKey: mappingKeys.list(type, connectorId) });
        }}
      >
        {removing
          ? `Remove the mapping of “${remoteName(removing)}”? Permissions already synced stay as they are; from the next run its permissions and ownership go to the connection's creator.`
          : ""}
      </ConfirmDialog>
    </section>
  );
}

/** How the remote principal reads: the label kept with the mapping (an Entra name), else the principal itself. */
const remoteName = (m: IdentityMapping): string => m.remote_display_name || m.smb_principal;

function MappingRow({ m, onRemove }: { m: IdentityMapping; onRemove: () => void }) {
  const target = usePrincipal(m.scaidrive_principal_id);
  const name = remoteName(m);
  return (
    <Table.Tr>
      <Table.Td>
        <Stack gap={0}>
          <Text size="sm" ff={m.remote_display_name ? undefined : "monospace"}>
            {name}
          </Text>
          {m.remote_display_name && (
            <Text size="xs" c="dimmed" ff="monospace">
              {m.smb_principal}
            </Text>
          )}
        </Stack>
      </Table.Td>
      <Table.Td>{m.identity_type === "group" ? "Group" : "User"}</Table.Td>
      <Table.Td>
        <Text size="sm">
          {target.data?.name ?? (target.isError ? m.scaidrive_principal_id : "…")}
          {target.data?.detail && (
            <Text span size="xs" c="dimmed">
              {` ${target.data.detail}`}
            </Text>
          )}
        </Text>
      </Table.Td>
      <Table.Td style={{ whiteSpace: "nowrap" }}>
        <Text size="sm">{formatDate(m.created_at)}</Text>
      </Table.Td>
      <Table.Td ta="right">
        <ActionIcon variant="subtle" color="red" aria-label={`Remove mapping for ${name}`} onClick={onRemove}>
          <IconTrash size={16} aria-hidden="true" />
        </ActionIcon>
      </Table.Td>
    </Table.Tr>
  );
}
