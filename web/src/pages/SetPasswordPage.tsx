import { useState } from "react";
import { Alert, Anchor, Button, Center, Paper, PasswordInput, Stack, Text, Title } from "@mantine/core";
import { Link, useSearchParams } from "react-router";
import { apiRequest } from "../api/http";

/** Landing page of a one-time set-password link (`/set-password?token=…`) an administrator sent. */
export function Component() {
  const [params] = useSearchParams();
  const token = params.get("token") ?? "";
  const [password, setPassword] = useState("");
  const [repeat, setRepeat] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState(false);
  const [busy, setBusy] = useState(false);

  async function submit(event: React.FormEvent) {
    event.preventDefault();
    if (password !== repeat) {
      setError("The two passwords differ.");
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await apiRequest("/auth/set-password", { method: "POST", json: { token, password } });
      setDone(true);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <Center mih="100vh" bg="gray.0">
      <main>
        <Paper withBorder shadow="sm" p="xl" w={400} radius="md">
          <Stack>
            <Title order={1} size="h2">
              Set your password
            </Title>
            {done ? (
              <Text role="status">
                Your password is set.{" "}
                <Anchor component={Link} to="/sign-in">
                  Sign in
                </Anchor>
              </Text>
            ) : !token ? (
              <Alert color="red" role="alert">
                This link has no token. Ask an administrator for a new set-password link.
              </Alert>
            ) : (
              <form onSubmit={submit} noValidate>
                <Stack>
                  {error && (
                    <Alert color="red" role="alert" title="Could not set the password">
                      {error}
                    </Alert>
                  )}
                  <PasswordInput
                    label="New password"
                    description="At least 8 characters"
                    autoComplete="new-password"
                    required
                    value={password}
                    onChange={(e) => setPassword(e.currentTarget.value)}
                  />
                  <PasswordInput
                    label="Repeat the password"
                    autoComplete="new-password"
                    required
                    value={repeat}
                    onChange={(e) => setRepeat(e.currentTarget.value)}
                  />
                  <Button type="submit" loading={busy}>
                    Set password
                  </Button>
                </Stack>
              </form>
            )}
          </Stack>
        </Paper>
      </main>
    </Center>
  );
}
