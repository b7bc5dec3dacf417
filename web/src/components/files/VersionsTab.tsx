import { useState } from "react";
import {
  ActionIcon,
  Alert,
  Button,
  Center,
  Group,
  Loader,
  Modal,
  Stack,
  Table,
  Text,
  Tooltip,
  VisuallyHidden,
} from "@mantine/core";
import { IconDownload, IconRestore } from "@tabler/icons-react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { fileKeys, listVersions, restoreVersion, versionContentUrl } from "../../api/files";
import type { FileNode, Version } from "../../api/types";
import { formatBytes, formatDate } from "../../format";
import { usePrincipal } from "./principal-names";
import { startDownload } from "./start-download";
import { useAsyncAction } from "./use-async-action";

export function VersionsTab({ node }: { node: FileNode }) {
  const queryClient = useQueryClient();
  const versions = useQuery({
    queryKey: fileKeys.versions(node.id),
    queryFn: () => listVersions(node.id),
    enabled: node.type === "file",
  });
  const [restoring, setRestoring] = useState<{ version: Version; number: number } | null>(null);

  if (node.type === "folder")
    return (
      <Text size="sm" c="dimmed">
        Folders have no versions.
      </Text>
    );
  if (versions.isPending)
    return (
      <Center py="xl">
        <Loader size="sm" aria-label="Loading versions" />
      </Center>
    );
  if (versions.isError)
    return (
      <Alert color="red" role="alert" title="Versions could not be loaded">
        {versions.error.message}
      </Alert>
    );

  const list = versions.data;
  return (
    <Stack gap="xs">
      <Text size="xs" c="dimmed">
        {list.length} {list.length === 1 ? "version" : "versions"}, newest first. Restoring makes a copy of an older
        version the current one.
      </Text>
      <Table aria-label="Versions" verticalSpacing={6} horizontalSpacing={6} fz="sm" layout="fixed">
        <Table.Thead>
          <Table.Tr>
            <Table.Th w={70}>Version</Table.Th>
            <Table.Th>Saved</Table.Th>
            <Table.Th w={72} ta="right">
              Size
            </Table.Th>
            <Table.Th w={76}>
              <VisuallyHidden>Actions</VisuallyHidden>
            </Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {list.map((v, i) => {
            const number = list.length - i;
            const current = v.id === node.current_version_id;
            return (
              <Table.Tr key={v.id}>
                <Table.Td>
                  <Text size="sm" fw={500}>
                    {number}
                  </Text>
                  {current && (
                    <Text size="xs" c="blue.8" fw={600}>
                      Current
                    </Text>
                  )}
                </Table.Td>
                <Table.Td>
                  <Text size="sm">{formatDate(v.created_at)}</Text>
                  <Text size="xs" c="dimmed" truncate>
                    by <AuthorName id={v.author_id} />
                  </Text>
                </Table.Td>
                <Table.Td ta="right" style={{ whiteSpace: "nowrap" }}>
                  {formatBytes(v.size)}
                </Table.Td>
                <Table.Td>
                  <Group gap={2} wrap="nowrap" justify="flex-end">
                    <Tooltip label="Download">
                      <ActionIcon
                        variant="subtle"
                        onClick={() => startDownload(versionContentUrl(node.id, v.id))}
                        aria-label={`Download version ${number}`}
                      >
                        <IconDownload size={16} />
                      </ActionIcon>
                    </Tooltip>
                    <Tooltip label={current ? "This is the current version" : "Restore"}>
                      <ActionIcon
                        variant="subtle"
                        disabled={current}
                        aria-label={`Restore version ${number}`}
                        onClick={() => setRestoring({ version: v, number })}
                      >
                        <IconRestore size={16} />
                      </ActionIcon>
                    </Tooltip>
                  </Group>
                </Table.Td>
              </Table.Tr>
            );
          })}
        </Table.Tbody>
      </Table>
      {restoring && (
        <RestoreDialog
          node={node}
          version={restoring.version}
          number={restoring.number}
          onClose={() => setRestoring(null)}
          onRestored={async () => {
            setRestoring(null);
            await Promise.all([
              queryClient.invalidateQueries({ queryKey: fileKeys.versions(node.id) }),
              queryClient.invalidateQueries({ queryKey: fileKeys.listings(node.share_id) }),
            ]);
          }}
        />
      )}
    </Stack>
  );
}

function AuthorName({ id }: { id: string | null }) {
  const author = usePrincipal(id);
  if (!id)
    return (
      <Text size="sm" c="dimmed">
        Unknown
      </Text>
    );
  return <>{author.data?.name ?? "…"}</>;
}

function RestoreDialog(props: {
  node: FileNode;
  version: Version;
  number: number;
  onClose: () => void;
  onRestored: () => void;
}) {
  const action = useAsyncAction();
  return (
    <Modal
      closeButtonProps={{ "aria-label": "Close" }}
      opened
      onClose={props.onClose}
      title={`Restore version ${props.number}?`}
      centered
    >
      <Stack>
        {action.error && (
          <Alert color="red" role="alert" title="Not restored">
            {action.error}
          </Alert>
        )}
        <Text size="sm">
          “{props.node.name}” gets a new version with the content of version {props.number} (
          {formatBytes(props.version.size)}, {formatDate(props.version.created_at)}). The versions in between are kept.
        </Text>
        <Group justify="flex-end">
          <Button variant="default" onClick={props.onClose}>
            Cancel
          </Button>
          <Button
            loading={action.busy}
            data-autofocus
            onClick={async () => {
              if (await action.run(async () => void (await restoreVersion(props.node.id, props.version.id))))
                props.onRestored();
            }}
          >
            Restore
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
