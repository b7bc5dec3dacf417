import { useState } from "react";
import { Alert, Button, Group, Stack, Table, Text, TextInput, VisuallyHidden } from "@mantine/core";
import { IconKey, IconPlus } from "@tabler/icons-react";
import { useQueryClient } from "@tanstack/react-query";
import { TOKENS_KEY, usePagedList, type CreatedToken } from "../../api/admin";
import { errorText } from "../../api/error-text";
import { apiRequest } from "../../api/http";
import type { Token } from "../../api/types";
import { AppDialog } from "../../components/AppDialog";
import { ConfirmDialog } from "../../components/ConfirmDialog";
import { CopyField } from "../../components/CopyField";
import { ListStatus } from "../../components/ListStatus";
import { ListEmptyState } from "../../components/ListEmptyState";
import { SectionHeader } from "../../components/SectionHeader";
import { ShowMoreButton } from "../../components/ShowMoreButton";
import { formatDate } from "../../format";

/** The user's own API tokens: list (never the secrets), create (the token is shown once), revoke. */
export function TokensSection({ userId }: { userId: string }) {
  const queryClient = useQueryClient();
  const tokens = usePagedList<Token>(TOKENS_KEY, "/tokens");
  const [creating, setCreating] = useState(false);
  const [revoking, setRevoking] = useState<Token | null>(null);

  const create = (
    <Button leftSection={<IconPlus size={16} />} onClick={() => setCreating(true)}>
      Create token
    </Button>
  );

  return (
    <Stack gap="md">
      <SectionHeader
        title="API tokens"
        id="tokens-heading"
        description="Scripts and the command line use a token to act as you. Revoke one you no longer use."
        action={tokens.items && tokens.items.length > 0 ? create : undefined}
      />
      <ListStatus
        list={tokens}
        loadingLabel="Loading tokens"
        empty={
          <ListEmptyState
            icon={<IconKey size={24} />}
            title="No API tokens"
            description="Create a token to use the ScaiDrive API or command line with your account."
            action={create}
          />
        }
      />
      {tokens.items && tokens.items.length > 0 && (
        <Table.ScrollContainer minWidth={560}>
          <Table aria-label="API tokens" verticalSpacing="sm" highlightOnHover>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Name</Table.Th>
                <Table.Th>Created</Table.Th>
                <Table.Th>Last used</Table.Th>
                <Table.Th>
                  <VisuallyHidden>Actions</VisuallyHidden>
                </Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {tokens.items.map((token) => (
                <Table.Tr key={token.id}>
                  <Table.Td fw={500}>{token.name}</Table.Td>
                  <Table.Td>{formatDate(token.created_at)}</Table.Td>
                  <Table.Td>
                    {token.last_used_at ? (
                      formatDate(token.last_used_at)
                    ) : (
                      <Text span size="sm">
                        Never
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td ta="right">
                    <Button
                      variant="subtle"
                      color="red"
                      size="xs"
                      aria-label={`Revoke ${token.name}`}
                      onClick={() => setRevoking(token)}
                    >
                      Revoke
                    </Button>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      <ShowMoreButton
        hasMore={!!tokens.hasNextPage}
        loading={tokens.isFetchingNextPage}
        onClick={() => void tokens.fetchNextPage()}
      />

      <AppDialog opened={creating} onClose={() => setCreating(false)} title="Create token">
        <CreateTokenBody
          userId={userId}
          onCreated={() => void queryClient.invalidateQueries({ queryKey: TOKENS_KEY })}
          onClose={() => setCreating(false)}
        />
      </AppDialog>
      <ConfirmDialog
        opened={revoking !== null}
        onClose={() => setRevoking(null)}
        title="Revoke token"
        confirmLabel="Revoke"
        danger
        onConfirm={async () => {
          await apiRequest(`/tokens/${encodeURIComponent(revoking!.id)}`, { method: "DELETE" });
          await queryClient.invalidateQueries({ queryKey: TOKENS_KEY });
        }}
      >
        {`Anything that uses the token “${revoking?.name ?? ""}” stops working at once. This cannot be undone.`}
      </ConfirmDialog>
    </Stack>
  );
}

function CreateTokenBody({
  userId,
  onCreated,
  onClose,
}: {
  userId: string;
  onCreated: () => void;
  onClose: () => void;
}) {
  const [name, setName] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [created, setCreated] = useState<CreatedToken | null>(null);

  async function submit(event: React.FormEvent) {
    event.preventDefault();
    if (!name.trim()) return;
    setBusy(true);
    setError(null);
    try {
      setCreated(
        await apiRequest<CreatedToken>("/tokens", { method: "POST", json: { user_id: userId, name: name.trim() } }),
      );
      onCreated();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  if (created)
    return (
      <Stack>
        <Alert color="blue" title="Copy the token now">
          This is the only time it is shown. Store it somewhere safe, such as a password manager.
        </Alert>
        <CopyField label="New token" value={created.token} />
        <Group justify="flex-end">
          <Button onClick={onClose} data-autofocus>
            Done
          </Button>
        </Group>
      </Stack>
    );

  return (
    <form onSubmit={submit} noValidate>
      <Stack>
        <TextInput
          label="Token name"
          description="Where it will be used, e.g. “laptop” or “backup script”"
          required
          value={name}
          onChange={(e) => setName(e.currentTarget.value)}
          data-autofocus
        />
        {error != null && (
          <Alert color="red" role="alert" title="No token was created">
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
