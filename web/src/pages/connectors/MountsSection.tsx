import { useState } from "react";
import {
  Anchor,
  Button,
  Group,
  Loader,
  Select,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
  VisuallyHidden,
} from "@mantine/core";
import { IconPlugConnected } from "@tabler/icons-react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Link } from "react-router";
import { createMount, deleteMount, mountKeys, useConnectorMounts, type Mount } from "../../api/connector-actions";
import type { Connector } from "../../api/connectors";
import { folderUrl } from "../../api/paths";
import { AppDialog } from "../../components/AppDialog";
import { ConfirmDialog } from "../../components/ConfirmDialog";
import { ErrorNotice } from "../../components/ErrorNotice";
import { formatDate } from "../../format";
import { remoteLabel, TYPE_LABELS } from "./labels";

/**
 * The mounts that show this connection's remote live in a share folder: where each is (a link to the folder), which
 * remote folder, and Unmount; "Mount a remote folder" adds one.
 */
export function MountsSection({
  connector,
  shareNames,
}: {
  connector: Connector;
  shareNames: Map<string, string> | undefined;
}) {
  const queryClient = useQueryClient();
  const mounts = useConnectorMounts(connector.id);
  const [adding, setAdding] = useState(false);
  const [unmounting, setUnmounting] = useState<Mount | null>(null);
  const remote = remoteLabel(connector) ?? TYPE_LABELS[connector.type];

  return (
    <section aria-labelledby="mounts-heading">
      <Stack gap="sm">
        <Group justify="space-between" align="center">
          <Title order={2} size="h3" id="mounts-heading">
            Mounts
          </Title>
          <Button variant="default" leftSection={<IconPlugConnected size={16} />} onClick={() => setAdding(true)}>
            Mount a remote folder
          </Button>
        </Group>
        <Text size="sm" c="dimmed">
          A mount shows a folder of {remote} live in a share folder: nothing is copied, and changes there act on the
          remote at once.
        </Text>
        {mounts.isPending && <Loader size="sm" aria-label="Loading the mounts" />}
        {mounts.isError && <ErrorNotice error={mounts.error} />}
        {mounts.data && mounts.data.length === 0 && (
          <Text size="sm" c="dimmed">
            No folder of this connection is mounted.
          </Text>
        )}
        {mounts.data && mounts.data.length > 0 && (
          <Table.ScrollContainer minWidth={640}>
            <Table aria-label="Mounts" verticalSpacing="sm">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Mount point</Table.Th>
                  <Table.Th>Remote folder</Table.Th>
                  <Table.Th>Mounted</Table.Th>
                  <Table.Th>
                    <VisuallyHidden>Actions</VisuallyHidden>
                  </Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {mounts.data.map((m) => (
                  <Table.Tr key={m.id}>
                    <Table.Td>
                      <Anchor component={Link} to={folderUrl(m.share_id, m.path)} size="sm">
                        {shareNames?.get(m.share_id) ?? m.share_id}
                        {m.path}
                      </Anchor>
                    </Table.Td>
                    <Table.Td>
                      <Text span size="sm" ff="monospace">
                        {m.remote_path ? m.remote_path : "(the connection's folder)"}
                      </Text>
                    </Table.Td>
                    <Table.Td style={{ whiteSpace: "nowrap" }}>{formatDate(m.created_at)}</Table.Td>
                    <Table.Td ta="right">
                      <Button
                        size="xs"
                        variant="default"
                        color="red"
                        c="red"
                        aria-label={`Unmount ${m.path}`}
                        onClick={() => setUnmounting(m)}
                      >
                        Unmount
                      </Button>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </Stack>
      <AppDialog opened={adding} onClose={() => setAdding(false)} title="Mount a remote folder">
        <MountForm connector={connector} shareNames={shareNames} onClose={() => setAdding(false)} />
      </AppDialog>
      <ConfirmDialog
        opened={unmounting !== null}
        onClose={() => setUnmounting(null)}
        title="Unmount"
        confirmLabel="Unmount"
        danger
        onConfirm={async () => {
          if (!unmounting) return;
          await deleteMount(unmounting.id);
          await queryClient.invalidateQueries({ queryKey: mountKeys.all });
        }}
      >
        {unmounting
          ? `Unmount ${shareNames?.get(unmounting.share_id) ?? unmounting.share_id}${unmounting.path}? The folder stays, empty; the files on the remote are untouched.`
          : ""}
      </ConfirmDialog>
    </section>
  );
}

/** `reports/2026` → `/reports/2026`: the API takes a share path from the root. */
const sharePath = (p: string) => `/${p.trim().replace(/^\/+|\/+$/g, "")}`;

function MountForm({
  connector,
  shareNames,
  onClose,
}: {
  connector: Connector;
  shareNames: Map<string, string> | undefined;
  onClose: () => void;
}) {
  const queryClient = useQueryClient();
  const [shareId, setShareId] = useState<string | null>(null);
  const [path, setPath] = useState("");
  const [remotePath, setRemotePath] = useState("");
  const [touched, setTouched] = useState(false);
  const mount = useMutation({
    mutationFn: () =>
      createMount({
        share_id: shareId ?? "",
        path: sharePath(path),
        connector_id: connector.id,
        remote_path: remotePath.trim().replace(/^\/+|\/+$/g, "") || undefined,
      }),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: mountKeys.all });
      onClose();
    },
  });
  const shareOptions = [...(shareNames ?? new Map<string, string>()).entries()]
    .map(([value, label]) => ({ value, label }))
    .sort((a, b) => a.label.localeCompare(b.label));
  const shareError = touched && !shareId ? "Choose the share" : undefined;
  const pathError =
    touched && sharePath(path) === "/" ? "Give a folder: the share's root cannot be a mount point" : undefined;

  return (
    <form
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        setTouched(true);
        if (shareId && sharePath(path) !== "/") mount.mutate();
      }}
    >
      <Stack gap="md">
        <Select
          label="Share"
          placeholder="Choose a share"
          data={shareOptions}
          value={shareId}
          onChange={setShareId}
          searchable
          required
          error={shareError}
          data-autofocus
        />
        <TextInput
          label="Mount point"
          description="A folder of the share: created if missing, else it must be empty"
          placeholder="/Projects/Fileserver"
          value={path}
          onChange={(e) => setPath(e.currentTarget.value)}
          required
          error={pathError}
        />
        <TextInput
          label="Remote folder (optional)"
          description={`Relative to the connection's folder on ${TYPE_LABELS[connector.type]}; empty for all of it`}
          placeholder="reports"
          value={remotePath}
          onChange={(e) => setRemotePath(e.currentTarget.value)}
        />
        <Text size="xs" c="dimmed">
          Everyone who can read the mount point can read the remote folder through it.
        </Text>
        {mount.isError && <ErrorNotice title="Not mounted" error={mount.error} />}
        <Group justify="flex-end" gap="sm">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button type="submit" loading={mount.isPending}>
            Mount
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
