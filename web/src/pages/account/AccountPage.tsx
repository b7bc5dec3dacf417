import { Badge, Divider, Group, Paper, Stack, Text, Title } from "@mantine/core";
import { useSession } from "../../api/session";
import { PageLoader } from "../../components/PageLoader";
import { ChangePasswordForm } from "./ChangePasswordForm";
import { ProfileForm } from "./ProfileForm";
import { TokensSection } from "./TokensSection";

/** "My account": the signed-in user's name, password and API tokens. */
export function Component() {
  const session = useSession();
  const user = session.data?.user;
  if (!user) return <PageLoader />;

  return (
    <Stack gap="xl" maw={960}>
      <Stack gap={4}>
        <Title order={1}>My account</Title>
        <Group gap="xs">
          <Text c="dimmed" size="sm">
            Signed in as {user.email}
          </Text>
          {user.is_admin && (
            <Badge variant="light" size="sm">
              Administrator
            </Badge>
          )}
        </Group>
      </Stack>
      <Paper withBorder radius="md" p="lg" component="section" aria-labelledby="profile-heading">
        <ProfileForm user={user} />
      </Paper>
      <Paper withBorder radius="md" p="lg" component="section" aria-labelledby="password-heading">
        <ChangePasswordForm hasPassword={user.has_password} />
      </Paper>
      <Divider />
      <section aria-labelledby="tokens-heading">
        <TokensSection userId={user.id} />
      </section>
    </Stack>
  );
}
