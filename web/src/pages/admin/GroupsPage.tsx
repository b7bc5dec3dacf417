import { useState } from "react";
import { Alert, Button, Group as Row, Stack, Table, TextInput, VisuallyHidden } from "@mantine/core";
import { IconPlus, IconUsersGroup } from "@tabler/icons-react";
import { useQueryClient } from "@tanstack/react-query";
import { ADMIN_KEY, usePagedList } from "../../api/admin";
import { errorText } from "../../api/error-text";
import { apiRequest } from "../../api/http";
import type { Group } from "../../api/types";
import { AppDialog } from "../../components/AppDialog";
import { ConfirmDialog } from "../../components/ConfirmDialog";
import { ListStatus } from "../../components/ListStatus";
import { ListEmptyState } from "../../components/ListEmptyState";
import { SectionHeader } from "../../components/SectionHeader";
import { ShowMoreButton } from "../../components/ShowMoreButton";
import { formatDate } from "../../format";
import { GroupMembersDialog } from "./GroupMembersDialog";

export const GROUPS_KEY = [...ADMIN_KEY, "groups"] as const;

/** Groups: named sets of users that ACL entries can name instead of each person. */
export function Component() {
  const queryClient = useQueryClient();
  const groups = usePagedList<Group>(GROUPS_KEY, "/groups");
  const [creating, setCreating] = useState(false);
  const [membersOf, setMembersOf] = useState<string | null>(null);
  const [deleting, setDeleting] = useState<Group | null>(null);
  const refresh = () => queryClient.invalidateQueries({ queryKey: GROUPS_KEY });

  const newGroup = (
    <Button leftSection={<IconPlus size={16} />} onClick={() => setCreating(true)}>
      New group
    </Button>
  );

  return (
    <Stack gap="md">
      <SectionHeader
        title="Groups"
        description="Give a group access to a folder once instead of adding each person."
        action={newGroup}
      />
      <ListStatus
        list={groups}
        loadingLabel="Loading groups"
        empty={
          <ListEmptyState
            icon={<IconUsersGroup size={24} />}
            title="No groups yet"
            description="Create a group with “New group”, then add its members."
          />
        }
      />
      {groups.items && groups.items.length > 0 && (
        <Table.ScrollContainer minWidth={560}>
          <Table aria-label="Groups" verticalSpacing="sm" highlightOnHover>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Name</Table.Th>
                <Table.Th>Members</Table.Th>
                <Table.Th>Created</Table.Th>
                <Table.Th>
                  <VisuallyHidden>Actions</VisuallyHidden>
                </Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {groups.items.map((group) => (
                <Table.Tr key={group.id}>
                  <Table.Td fw={500}>{group.name}</Table.Td>
                  <Table.Td>{group.member_ids.length}</Table.Td>
                  <Table.Td>{formatDate(group.created_at)}</Table.Td>
                  <Table.Td>
                    <Row gap="xs" justify="flex-end" wrap="nowrap">
                      <Button
                        variant="default"
                        size="xs"
                        aria-label={`Members of ${group.name}`}
                        onClick={() => setMembersOf(group.id)}
                      >
                        Members
                      </Button>
                      <Button
                        variant="subtle"
                        color="red"
                        size="xs"
                        aria-label={`Delete ${group.name}`}
                        onClick={() => setDeleting(group)}
                      >
                        Delete
                      </Button>
                    </Row>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      <ShowMoreButton
        hasMore={!!groups.hasNextPage}
        loading={groups.isFetchingNextPage}
        onClick={() => void groups.fetchNextPage()}
      />

      <AppDialog opened={creating} onClose={() => setCreating(false)} title="New group">
        <NewGroupForm
          onClose={() => setCreating(false)}
          onCreated={(group) => {
            void refresh();
            setMembersOf(group.id);
          }}
        />
      </AppDialog>
      <GroupMembersDialog groupId={membersOf} onClose={() => setMembersOf(null)} />
      <ConfirmDialog
        opened={deleting !== null}
        onClose={() => setDeleting(null)}
        title="Delete group"
        confirmLabel="Delete"
        danger
        onConfirm={async () => {
          await apiRequest(`/groups/${encodeURIComponent(deleting!.id)}`, { method: "DELETE" });
          await refresh();
        }}
      >
        {`The group “${deleting?.name ?? ""}” and every access it gives are removed. Its members keep their own ` +
          "access. This cannot be undone."}
      </ConfirmDialog>
    </Stack>
  );
}

function NewGroupForm({ onClose, onCreated }: { onClose: () => void; onCreated: (group: Group) => void }) {
  const [name, setName] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  async function submit(event: React.FormEvent) {
    event.preventDefault();
    if (!name.trim()) return;
    setBusy(true);
    setError(null);
    try {
      const group = await apiRequest<Group>("/groups", { method: "POST", json: { name: name.trim() } });
      onClose();
      onCreated(group);
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
          label="Group name"
          required
          value={name}
          onChange={(e) => setName(e.currentTarget.value)}
          data-autofocus
        />
        {error != null && (
          <Alert color="red" role="alert" title="Not created">
            {errorText(error)}
          </Alert>
        )}
        <Row justify="flex-end" gap="sm">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button type="submit" loading={busy} disabled={!name.trim()}>
            Create
          </Button>
        </Row>
      </Stack>
    </form>
  );
}
