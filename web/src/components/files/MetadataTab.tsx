import { useState } from "react";
import {
  ActionIcon,
  Alert,
  Button,
  Center,
  Group,
  Loader,
  Stack,
  Table,
  Text,
  TextInput,
  Tooltip,
  VisuallyHidden,
} from "@mantine/core";
import { IconPlus, IconTrash } from "@tabler/icons-react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { fileKeys, getMetadata, patchMetadata } from "../../api/files";
import type { FileNode } from "../../api/types";
import { emptyRow, metadataPatch, rowsOf, type MetadataRow } from "./metadata-edit";
import { useAsyncAction } from "./use-async-action";

export function MetadataTab({ node }: { node: FileNode }) {
  const metadata = useQuery({ queryKey: fileKeys.metadata(node.id), queryFn: () => getMetadata(node.id) });
  if (metadata.isPending)
    return (
      <Center py="xl">
        <Loader size="sm" aria-label="Loading metadata" />
      </Center>
    );
  if (metadata.isError)
    return (
      <Alert color="red" role="alert" title="Metadata could not be loaded">
        {metadata.error.message}
      </Alert>
    );
  return <MetadataEditor key={node.id} node={node} stored={metadata.data} />;
}

function MetadataEditor({ node, stored }: { node: FileNode; stored: Record<string, unknown> }) {
  const queryClient = useQueryClient();
  const [rows, setRows] = useState<MetadataRow[]>(() => rowsOf(stored));
  const [saved, setSaved] = useState(false);
  const action = useAsyncAction();
  const result = metadataPatch(stored, rows);
  const dirty = "error" in result || Object.keys(result.patch).length > 0;

  const change = (id: number, part: Partial<MetadataRow>) => {
    setSaved(false);
    setRows((rs) => rs.map((r) => (r.id === id ? { ...r, ...part } : r)));
  };

  const save = async (event: React.FormEvent) => {
    event.preventDefault();
    if ("error" in result) return action.setError(result.error);
    const ok = await action.run(async () => {
      const next = await patchMetadata(node.id, result.patch);
      queryClient.setQueryData(fileKeys.metadata(node.id), next);
      setRows(rowsOf(next));
    });
    if (ok) setSaved(true);
  };

  return (
    <form onSubmit={save} noValidate>
      <Stack gap="sm">
        {action.error && (
          <Alert color="red" role="alert" title="Not saved">
            {action.error}
          </Alert>
        )}
        {rows.length === 0 ? (
          <Text size="sm" c="dimmed">
            No metadata yet. Add fields such as a project name or a status.
          </Text>
        ) : (
          <Table aria-label="Metadata" verticalSpacing={4} horizontalSpacing={4} withRowBorders={false}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th fz="xs">Field</Table.Th>
                <Table.Th fz="xs">Value</Table.Th>
                <Table.Th w={36}>
                  <VisuallyHidden>Remove</VisuallyHidden>
                </Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {rows.map((row, i) => {
                const label = row.key.trim() || `field ${i + 1}`;
                return (
                  <Table.Tr key={row.id}>
                    <Table.Td w="38%">
                      <TextInput
                        size="xs"
                        aria-label={`Name of field ${i + 1}`}
                        value={row.key}
                        onChange={(e) => change(row.id, { key: e.currentTarget.value })}
                      />
                    </Table.Td>
                    <Table.Td>
                      <TextInput
                        size="xs"
                        aria-label={`Value of ${label}`}
                        value={row.value}
                        onChange={(e) => change(row.id, { value: e.currentTarget.value })}
                      />
                    </Table.Td>
                    <Table.Td>
                      <Tooltip label={`Remove ${label}`}>
                        <ActionIcon
                          variant="subtle"
                          color="gray"
                          aria-label={`Remove ${label}`}
                          onClick={() => {
                            setSaved(false);
                            setRows((rs) => rs.filter((r) => r.id !== row.id));
                          }}
                        >
                          <IconTrash size={16} />
                        </ActionIcon>
                      </Tooltip>
                    </Table.Td>
                  </Table.Tr>
                );
              })}
            </Table.Tbody>
          </Table>
        )}
        <Group justify="space-between">
          <Button
            variant="subtle"
            size="xs"
            leftSection={<IconPlus size={14} />}
            onClick={() => {
              setSaved(false);
              setRows((rs) => [...rs, emptyRow()]);
            }}
          >
            Add field
          </Button>
          <Group gap="sm">
            {saved && !dirty && (
              <Text size="xs" c="green.8" role="status">
                Saved
              </Text>
            )}
            <Button type="submit" size="xs" loading={action.busy} disabled={!dirty}>
              Save
            </Button>
          </Group>
        </Group>
      </Stack>
    </form>
  );
}
