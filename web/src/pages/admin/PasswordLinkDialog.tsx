import { useEffect, useState } from "react";
import { Alert, Button, Group, Loader, Stack, Text } from "@mantine/core";
import { type PasswordLink } from "../../api/admin";
import { errorText } from "../../api/error-text";
import { apiRequest } from "../../api/http";
import type { User } from "../../api/types";
import { AppDialog } from "../../components/AppDialog";
import { CopyField } from "../../components/CopyField";
import { formatDate } from "../../format";

/**
 * Makes a one-time set-password link for a user (POST /users/{id}/password-link) and shows it in full with its
 * expiry, to copy into a message to them. Each opening makes a new link.
 */
export function PasswordLinkDialog({ user, onClose }: { user: User | null; onClose: () => void }) {
  return (
    <AppDialog opened={user !== null} onClose={onClose} title={`Set-password link for ${user?.name ?? ""}`} size="lg">
      {user && <PasswordLinkBody user={user} onClose={onClose} />}
    </AppDialog>
  );
}

function PasswordLinkBody({ user, onClose }: { user: User; onClose: () => void }) {
  const [link, setLink] = useState<PasswordLink | null>(null);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    let live = true;
    apiRequest<PasswordLink>(`/users/${encodeURIComponent(user.id)}/password-link`, { method: "POST" }).then(
      (made) => live && setLink(made),
      (err: unknown) => live && setError(err),
    );
    return () => {
      live = false;
    };
  }, [user.id]);

  return (
    <Stack>
      {!link && error == null && <Loader aria-label="Making the link" />}
      {error != null && (
        <Alert color="red" role="alert" title="No link was made">
          {errorText(error)}
        </Alert>
      )}
      {link && (
        <>
          <Text size="sm">
            Send this link to {user.email}. It lets them choose a password once, and signs them out wherever they are
            signed in.
          </Text>
          <CopyField
            label="Set-password link"
            value={window.location.origin + link.url}
            description={`Works once, until ${formatDate(link.expires_at)}`}
          />
        </>
      )}
      <Group justify="flex-end">
        <Button onClick={onClose} data-autofocus>
          Done
        </Button>
      </Group>
    </Stack>
  );
}
