import { useState } from "react";
import { Alert, Button, Group, PasswordInput, Stack, Text, Title } from "@mantine/core";
import { useQueryClient } from "@tanstack/react-query";
import { errorText } from "../../api/error-text";
import { apiRequest } from "../../api/http";
import { SESSION_KEY } from "../../api/session";

/**
 * PUT /users/me/password. The server answers with a fresh session cookie and ends every other session, so the
 * session (and its CSRF token) is read again afterwards.
 */
export function ChangePasswordForm({ hasPassword }: { hasPassword: boolean }) {
  const queryClient = useQueryClient();
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState(false);

  async function submit(event: React.FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    setDone(false);
    try {
      await apiRequest("/users/me/password", {
        method: "PUT",
        json: { current_password: current, new_password: next },
      });
      await queryClient.refetchQueries({ queryKey: SESSION_KEY });
      setCurrent("");
      setNext("");
      setDone(true);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  const heading = (
    <Stack gap={4}>
      <Title order={2} size="h3" id="password-heading">
        Change password
      </Title>
      <Text size="sm" c="dimmed">
        Changing it signs you out everywhere else; this browser stays signed in.
      </Text>
    </Stack>
  );

  if (!hasPassword)
    return (
      <Stack gap="md">
        {heading}
        <Text size="sm">You have no password yet. Ask an administrator for a set-password link.</Text>
      </Stack>
    );

  return (
    <form onSubmit={submit} noValidate>
      <Stack gap="md">
        {heading}
        <PasswordInput
          label="Current password"
          autoComplete="current-password"
          required
          maw={420}
          value={current}
          onChange={(e) => setCurrent(e.currentTarget.value)}
        />
        <PasswordInput
          label="New password"
          description="At least 8 characters"
          autoComplete="new-password"
          required
          maw={420}
          value={next}
          onChange={(e) => setNext(e.currentTarget.value)}
        />
        {error != null && (
          <Alert color="red" role="alert" title="The password was not changed">
            {errorText(error)}
          </Alert>
        )}
        <Group gap="sm">
          <Button type="submit" loading={busy} disabled={!current || !next}>
            Change password
          </Button>
          <Text size="sm" c="teal.9" role="status">
            {done ? "Your password is changed. Other sessions were signed out." : ""}
          </Text>
        </Group>
      </Stack>
    </form>
  );
}
