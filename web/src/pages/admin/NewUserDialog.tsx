import { useState } from "react";
import { Alert, Button, Checkbox, Group, PasswordInput, Stack, TextInput } from "@mantine/core";
import { errorText } from "../../api/error-text";
import { apiRequest } from "../../api/http";
import type { User } from "../../api/types";
import { AppDialog } from "../../components/AppDialog";

/**
 * Creates a user (POST /users) and, when an initial password is given, sets it (PUT /users/{id}/password). Without
 * one the caller offers a set-password link next.
 */
export function NewUserDialog({
  opened,
  onClose,
  onCreated,
}: {
  opened: boolean;
  onClose: () => void;
  onCreated: (user: User, withPassword: boolean) => void;
}) {
  return (
    <AppDialog opened={opened} onClose={onClose} title="New user">
      <NewUserForm onClose={onClose} onCreated={onCreated} />
    </AppDialog>
  );
}

function NewUserForm({ onClose, onCreated }: { onClose: () => void; onCreated: (u: User, pw: boolean) => void }) {
  const [email, setEmail] = useState("");
  const [name, setName] = useState("");
  const [isAdmin, setIsAdmin] = useState(false);
  const [password, setPassword] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  // A user created before the password was refused is not created twice on the next try.
  const [created, setCreated] = useState<User | null>(null);

  async function submit(event: React.FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const user =
        created ??
        (await apiRequest<User>("/users", {
          method: "POST",
          json: { email: email.trim(), name: name.trim(), is_admin: isAdmin },
        }));
      setCreated(user);
      if (password)
        await apiRequest(`/users/${encodeURIComponent(user.id)}/password`, { method: "PUT", json: { password } });
      onClose();
      onCreated(user, password.length > 0);
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
          label="Email"
          description="They sign in with it"
          type="email"
          required
          autoComplete="off"
          value={email}
          disabled={created !== null}
          onChange={(e) => setEmail(e.currentTarget.value)}
          data-autofocus
        />
        <TextInput
          label="Name"
          required
          autoComplete="off"
          value={name}
          disabled={created !== null}
          onChange={(e) => setName(e.currentTarget.value)}
        />
        <Checkbox
          label="Administrator"
          description="Manages users, groups and shares, and can open every file"
          checked={isAdmin}
          disabled={created !== null}
          onChange={(e) => setIsAdmin(e.currentTarget.checked)}
        />
        <PasswordInput
          label="Initial password"
          description="Optional. Leave it empty to give them a set-password link instead."
          autoComplete="new-password"
          value={password}
          onChange={(e) => setPassword(e.currentTarget.value)}
        />
        {error != null && (
          <Alert
            color="red"
            role="alert"
            title={created ? "The user was created, the password was not set" : "Not created"}
          >
            {errorText(error)}
          </Alert>
        )}
        <Group justify="flex-end" gap="sm">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button type="submit" loading={busy} disabled={!email.trim() || !name.trim()}>
            {created ? "Set password" : "Create"}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
