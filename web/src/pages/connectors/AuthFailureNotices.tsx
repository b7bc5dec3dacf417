import { Alert, Anchor, Group, Stack, Text } from "@mantine/core";
import { Link } from "react-router";
import { AUTH_DISABLED_PREFIX, connectorState, type ConnectorRow } from "../../api/connectors";
import { formatDate } from "../../format";
import { CredentialFixButton } from "./CredentialFix";
import { remoteLabel, TYPE_LABELS } from "./labels";

/**
 * Above the connections list: one banner per connection an authentication failure disabled, saying what failed and
 * when, with the one-step fix for those who manage its target share (the same as on the connection's page).
 */
export function AuthFailureNotices({ rows }: { rows: ConnectorRow[] }) {
  const failed = rows.filter((c) => connectorState(c) === "auth_failed");
  if (failed.length === 0) return null;
  return (
    <Stack gap="sm">
      {failed.map((c) => {
        const reason = (c.status_reason ?? "").slice(AUTH_DISABLED_PREFIX.length);
        const job = c.lastJob?.status === "failed" ? c.lastJob : null;
        const when = job?.finished_at ?? c.updated_at;
        return (
          <Alert
            key={c.id}
            color="red"
            variant="light"
            role="alert"
            title={`${c.name}: disabled after an authentication failure`}
          >
            <Text size="sm">
              On {formatDate(when)} the {TYPE_LABELS[c.type]} server refused this connection’s credentials
              {reason ? `: ${reason}` : "."}
            </Text>
            <Group mt="sm" gap="md">
              {remoteLabel(c) !== null && <CredentialFixButton connector={c} />}
              <Anchor component={Link} to={`/connectors/${c.type}/${encodeURIComponent(c.id)}`} size="sm">
                Open {c.name}
              </Anchor>
            </Group>
          </Alert>
        );
      })}
    </Stack>
  );
}
