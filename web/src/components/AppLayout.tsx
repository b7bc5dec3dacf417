import { AppShell, Button, Center, Group, Loader, Text } from "@mantine/core";
import { NavLink as RouterLink, Navigate, Outlet, useLocation, useNavigate } from "react-router";
import { useSession, useSignOut } from "../api/session";
import { AlertBadge } from "./AlertBadge";
import { ErrorNotice } from "./ErrorNotice";
import { Logo } from "./Logo";
import classes from "./AppLayout.module.css";

/** The signed-in frame: banner with the main navigation and sign-out; pages render below it. */
export function AppLayout() {
  const session = useSession();
  const location = useLocation();
  const navigate = useNavigate();
  const signOut = useSignOut();

  if (session.isPending)
    return (
      <Center h="100vh">
        <Loader aria-label="Loading" />
      </Center>
    );
  if (session.isError) return <ErrorNotice error={session.error} />;
  if (!session.data) {
    const next = location.pathname + location.search;
    return <Navigate to={`/sign-in?next=${encodeURIComponent(next)}`} replace />;
  }
  const user = session.data.user;
  const links = [
    { to: "/files", label: "Files" },
    { to: "/connectors", label: "Connections" },
    { to: "/account", label: "Account" },
    ...(user.is_admin ? [{ to: "/admin", label: "Administration" }] : []),
  ];

  return (
    <AppShell header={{ height: 56 }} padding="md">
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="lg" wrap="nowrap">
            <RouterLink to="/files" className={classes.brand} aria-label="ScaiDrive home">
              <Logo size={28} />
              <Text fw={700} component="span">
                ScaiDrive
              </Text>
            </RouterLink>
            <nav aria-label="Main">
              <Group gap="xs" wrap="nowrap">
                {links.map((link) => (
                  <RouterLink key={link.to} to={link.to} className={classes.navLink}>
                    {link.label}
                  </RouterLink>
                ))}
              </Group>
            </nav>
          </Group>
          <Group gap="sm" wrap="nowrap">
            <AlertBadge isAdmin={user.is_admin} />
            <Text size="sm" c="dimmed" visibleFrom="sm">
              {user.name}
            </Text>
            <Button
              variant="default"
              size="xs"
              onClick={async () => {
                await signOut();
                navigate("/sign-in", { replace: true });
              }}
            >
              Sign out
            </Button>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Main>
        {/* AppShell.Main is the page's <main> landmark already. */}
        <Outlet />
      </AppShell.Main>
    </AppShell>
  );
}
