import { useState } from "react";
import { Alert, Button, Center, Group, Paper, PasswordInput, Stack, Text, TextInput, Title } from "@mantine/core";
import { useQueryClient } from "@tanstack/react-query";
import { Navigate, useNavigate, useSearchParams } from "react-router";
import { errorText } from "../api/error-text";
import { signIn, SESSION_KEY, useSession } from "../api/session";
import { Logo } from "../components/Logo";

/** Only paths inside the app are followed after sign-in, never another origin. */
function safeNext(next: string | null): string {
  return next && next.startsWith("/") && !next.startsWith("//") ? next : "/files";
}

export function SignInPage() {
  const session = useSession();
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const next = safeNext(params.get("next"));

  if (session.data) return <Navigate to={next} replace />;

  async function submit(event: React.FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const signedIn = await signIn(email, password);
      queryClient.clear();
      queryClient.setQueryData(SESSION_KEY, signedIn);
      navigate(next, { replace: true });
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <Center mih="100vh" bg="gray.0">
      <main>
        <Paper withBorder shadow="sm" p="xl" w={380} radius="md">
          <form onSubmit={submit} noValidate>
            <Stack>
              <Group gap="sm">
                <Logo size={36} />
                <Title order={1} size="h2">
                  Sign in to ScaiDrive
                </Title>
              </Group>
              {error && (
                <Alert color="red" role="alert" title="Could not sign in">
                  {error}
                </Alert>
              )}
              <TextInput
                label="Email"
                type="email"
                autoComplete="username"
                required
                value={email}
                onChange={(e) => setEmail(e.currentTarget.value)}
                data-autofocus
              />
              <PasswordInput
                label="Password"
                autoComplete="current-password"
                required
                value={password}
                onChange={(e) => setPassword(e.currentTarget.value)}
              />
              <Button type="submit" loading={busy} fullWidth>
                Sign in
              </Button>
              <Text size="xs" c="dimmed">
                Forgot your password? Ask an administrator for a set-password link.
              </Text>
            </Stack>
          </form>
        </Paper>
      </main>
    </Center>
  );
}
