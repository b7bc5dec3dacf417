import { useState } from "react";
import { Alert, Anchor, Button, Group, Stack, Table, Text, Textarea, TextInput, VisuallyHidden } from "@mantine/core";
import { IconFolders, IconPlus } from "@tabler/icons-react";
import { useQueryClient } from "@tanstack/react-query";
import { Link } from "react-router";
import { ADMIN_KEY, usePagedList } from "../../api/admin";
import { errorText } from "../../api/error-text";
import { apiRequest } from "../../api/http";
import type { Share } from "../../api/types";
import { AppDialog } from "../../components/AppDialog";
import { ConfirmDialog } from "../../components/ConfirmDialog";
import { ListStatus } from "../../components/ListStatus";
import { ListEmptyState } from "../../components/ListEmptyState";
import { SectionHeader } from "../../components/SectionHeader";
import { ShowMoreButton } from "../../components/ShowMoreButton";
import { UserName } from "../../components/UserName";
import { formatDate } from "../../format";

const SHARES_KEY = [...ADMIN_KEY, "shares"] as const;

/** Shares: create one, or delete one with everything in it (typing its name to confirm). */
export function Component() {
  const queryClient = useQueryClient();
  const shares = usePagedList<Share>(SHARES_KEY, "/shares");
  const [creating, setCreating] = useState(false);
  const [deleting, setDeleting] = useState<Share | null>(null);
  const refresh = async () => {
    await queryClient.invalidateQueries({ queryKey: SHARES_KEY });
    // The files page lists shares too.
    await queryClient.invalidateQueries({ queryKey: ["shares"] });
  };

  const newShare = (
    <Button leftSection={<IconPlus size={16} />} onClick={() => setCreating(true)}>
      New share
    </Button>
  );

  return (
    <Stack gap="md">
      <SectionHeader
        title="Shares"
        description="Top-level spaces for folders and files. Whoever creates a share manages its permissions."
        action={newShare}
      />
      <ListStatus
        list={shares}
        loadingLabel="Loading shares"
        empty={
          <ListEmptyState
            icon={<IconFolders size={24} />}
            title="No shares yet"
            description="Create a share with “New share”, then give people access to it from its Sharing tab."
          />
        }
      />
      {shares.items && shares.items.length > 0 && (
        <Table.ScrollContainer minWidth={640}>
          <Table aria-label="Shares" verticalSpacing="sm" highlightOnHover>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Name</Table.Th>
                <Table.Th>Description</Table.Th>
                <Table.Th>Created by</Table.Th>
                <Table.Th>Created</Table.Th>
                <Table.Th>
                  <VisuallyHidden>Actions</VisuallyHidden>
                </Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {shares.items.map((share) => (
                <Table.Tr key={share.id}>
                  <Table.Td>
                    <Anchor component={Link} to={`/files/${share.id}`} fw={500} size="sm">
                      {share.name}
                    </Anchor>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm" lineClamp={2}>
                      {share.description ?? ""}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <UserName id={share.created_by} />
                  </Table.Td>
                  <Table.Td>{formatDate(share.created_at)}</Table.Td>
                  <Table.Td ta="right">
                    <Button
                      variant="subtle"
                      color="red"
                      size="xs"
                      aria-label={`Delete ${share.name}`}
                      onClick={() => setDeleting(share)}
                    >
                      Delete
                    </Button>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      <ShowMoreButton
        hasMore={!!shares.hasNextPage}
        loading={shares.isFetchingNextPage}
        onClick={() => void shares.fetchNextPage()}
      />

      <AppDialog opened={creating} onClose={() => setCreating(false)} title="New share">
        <NewShareForm onClose={() => setCreating(false)} onCreated={() => void refresh()} />
      </AppDialog>
      <ConfirmDialog
        opened={deleting !== null}
        onClose={() => setDeleting(null)}
        title="Delete share"
        confirmLabel="Delete"
        danger
        typeToConfirm={deleting ? { label: "Share name", expected: deleting.name } : undefined}
        onConfirm={async () => {
          await apiRequest(`/shares/${encodeURIComponent(deleting!.id)}`, { method: "DELETE" });
          await refresh();
        }}
      >
        {`Deleting “${deleting?.name ?? ""}” removes every folder, file and version in it for everyone. ` +
          "This cannot be undone."}
      </ConfirmDialog>
    </Stack>
  );
}

function NewShareForm({ onClose, onCreated }: { onClose: () => void; onCreated: () => void }) {
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  async function submit(event: React.FormEvent) {
    event.preventDefault();
    if (!name.trim()) return;
    setBusy(true);
    setError(null);
    try {
      await apiRequest<Share>("/shares", {
        method: "POST",
        json: { name: name.trim(), description: description.trim() || null },
      });
      onClose();
      onCreated();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form onSubmit={submit} noValidate>
      <Stack>
        <TextInput
          label="Share name"
          required
          value={name}
          onChange={(e) => setName(e.currentTarget.value)}
          data-autofocus
        />
        <Textarea
          label="Description"
          description="Optional: what belongs in it"
          autosize
          minRows={2}
          maxRows={6}
          value={description}
          onChange={(e) => setDescription(e.currentTarget.value)}
        />
        {error != null && (
          <Alert color="red" role="alert" title="Not created">
            {errorText(error)}
          </Alert>
        )}
        <Group justify="flex-end" gap="sm">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button type="submit" loading={busy} disabled={!name.trim()}>
            Create
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
