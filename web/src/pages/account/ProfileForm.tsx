import { useState } from "react";
import { Alert, Button, Group, Stack, Text, TextInput, Title } from "@mantine/core";
import { useQueryClient } from "@tanstack/react-query";
import { errorText } from "../../api/error-text";
import { apiRequest } from "../../api/http";
import { SESSION_KEY } from "../../api/session";
import type { Session, User } from "../../api/types";

/** The user's own name (PATCH /users/me); the email is the sign-in name and only an administrator changes it. */
export function ProfileForm({ user }: { user: User }) {
  const queryClient = useQueryClient();
  const [name, setName] = useState(user.name);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);
  const changed = name.trim() !== user.name && name.trim().length > 0;

  async function submit(event: React.FormEvent) {
    event.preventDefault();
    if (!changed) return;
    setBusy(true);
    setError(null);
    setSaved(false);
    try {
      const updated = await apiRequest<User>("/users/me", { method: "PATCH", json: { name: name.trim() } });
      queryClient.setQueryData<Session | null>(SESSION_KEY, (s) => (s ? { ...s, user: updated } : s));
      queryClient.setQueryData(["user", updated.id], updated);
      setName(updated.name);
      setSaved(true);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form onSubmit={submit} noValidate>
      <Stack gap="md">
        <Stack gap={4}>
          <Title order={2} size="h3" id="profile-heading">
            Profile
          </Title>
          <Text size="sm" c="dimmed">
            Your name is what others see beside your files and in sharing lists.
          </Text>
        </Stack>
        <TextInput label="Email" value={user.email} readOnly variant="filled" maw={420} />
        <TextInput
          label="Name"
          required
          maw={420}
          value={name}
          autoComplete="name"
          onChange={(e) => {
            setName(e.currentTarget.value);
            setSaved(false);
          }}
        />
        {error != null && (
          <Alert color="red" role="alert" title="The name was not saved">
            {errorText(error)}
          </Alert>
        )}
        <Group gap="sm">
          <Button type="submit" loading={busy} disabled={!changed}>
            Save name
          </Button>
          <Text size="sm" c="teal.9" role="status">
            {saved ? "Saved." : ""}
          </Text>
        </Group>
      </Stack>
    </form>
  );
}
