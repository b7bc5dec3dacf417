import { Badge } from "@mantine/core";
import { IconBell } from "@tabler/icons-react";
import { NavLink as RouterLink } from "react-router";
import { useOpenAlertCount } from "../api/alerts";
import classes from "./AppLayout.module.css";

/** The header's count of open alerts for administrators, linking to them; nothing when none are open. */
export function AlertBadge({ isAdmin }: { isAdmin: boolean }) {
  const open = useOpenAlertCount(isAdmin);
  if (!isAdmin || !open.data || open.data.count === 0) return null;
  const shown = `${open.data.count}${open.data.more ? "+" : ""}`;
  const name = `${shown} open ${open.data.count === 1 && !open.data.more ? "alert" : "alerts"}`;
  return (
    <RouterLink to="/admin/alerts" className={classes.alertLink} aria-label={name} title={name}>
      <Badge variant="light" color="red" leftSection={<IconBell size={14} aria-hidden />} miw="max-content">
        {shown}
      </Badge>
    </RouterLink>
  );
}
