import { Anchor, Stack, Text, Title } from "@mantine/core";
import { IconLock } from "@tabler/icons-react";
import { Link, NavLink, Outlet } from "react-router";
import { useSession } from "../../api/session";
import { ListEmptyState } from "../../components/ListEmptyState";
import classes from "./AdminLayout.module.css";

const SECTIONS = [
  { to: "/admin/users", label: "Users" },
  { to: "/admin/groups", label: "Groups" },
  { to: "/admin/shares", label: "Shares" },
  { to: "/admin/alerts", label: "Alerts" },
];

/**
 * Frame of the administration pages: a heading and a sub-navigation. Anyone else gets a plain refusal here (the
 * API refuses them anyway; this only spares them a page of errors).
 */
export function Component() {
  const session = useSession();
  if (!session.data?.user.is_admin) return <AdministratorsOnly />;

  return (
    <Stack gap="lg">
      <Title order={1}>Administration</Title>
      <nav aria-label="Administration sections" className={classes.tabs}>
        {SECTIONS.map((s) => (
          <NavLink key={s.to} to={s.to} className={classes.tab}>
            {s.label}
          </NavLink>
        ))}
      </nav>
      <Outlet />
    </Stack>
  );
}

function AdministratorsOnly() {
  return (
    <Stack gap="lg" maw={640}>
      <Title order={1}>Administrators only</Title>
      <ListEmptyState
        icon={<IconLock size={24} />}
        title="You cannot open this page"
        description={
          <Text span size="sm">
            Administration is for administrators. If you need a user, group or share set up, ask one of them.{" "}
            <Anchor component={Link} to="/files" size="sm" underline="always">
              Back to your files
            </Anchor>
          </Text>
        }
      />
    </Stack>
  );
}
