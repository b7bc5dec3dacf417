import { useState } from "react";
import { Alert, Button, Group, PasswordInput, Stack, Text } from "@mantine/core";
import { errorText } from "../../api/error-text";
import { apiRequest } from "../../api/http";
import type { User } from "../../api/types";
import { AppDialog } from "../../components/AppDialog";

/** An administrator sets someone's password (PUT /users/{id}/password); their sessions end. */
export function SetPasswordDialog({
  user,
  onClose,
  onDone,
}: {
  user: User | null;
  onClose: () => void;
  onDone: () => void;
}) {
  return (
    <AppDialog opened={user !== null} onClose={onClose} title={`Set password for ${user?.name ?? ""}`}>
      {user && <SetPasswordForm user={user} onClose={onClose} onDone={onDone} />}
    </AppDialog>
  );
}

function SetPasswordForm({ user, onClose, onDone }: { user: User; onClose: () => void; onDone: () => void }) {
  const [password, setPassword] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  async function submit(event: React.FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await apiRequest(`/users/${encodeURIComponent(user.id)}/password`, { method: "PUT", json: { password } });
      onDone();
      onClose();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form onSubmit={submit} noValidate>
      <Stack>
        <Text size="sm">
          {user.email} is signed out everywhere and signs in with the new password from now on. Tell them the password
          another way than by email, or send a set-password link instead.
        </Text>
        <PasswordInput
          label="New password"
          description="At least 8 characters"
          autoComplete="new-password"
          required
          value={password}
          onChange={(e) => setPassword(e.currentTarget.value)}
          data-autofocus
        />
        {error != null && (
          <Alert color="red" role="alert" title="The password was not set">
            {errorText(error)}
          </Alert>
        )}
        <Group justify="flex-end" gap="sm">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button type="submit" loading={busy} disabled={!password}>
            Set password
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
