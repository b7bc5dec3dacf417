import { useState } from "react";
import { Alert, Button, Stack, type ButtonProps } from "@mantine/core";
import { IconBrandWindows } from "@tabler/icons-react";
import { errorText } from "../../../api/error-text";
import { authorize } from "../../../api/sharepoint";

/**
 * Sends the browser to Microsoft to sign in for a delegated (user_auth) connection; it comes back to the connection's
 * page, and the completed sign-in stores the new grant and re-enables a connection an authentication failure disabled.
 */
export function SignInAgainButton({
  connectorId,
  label = "Sign in with Microsoft again",
  ...props
}: { connectorId: string; label?: string } & ButtonProps) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  async function go() {
    setBusy(true);
    setError(null);
    try {
      const { authorization_url } = await authorize(connectorId);
      window.location.assign(authorization_url);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  }

  return (
    <Stack gap="xs" align="flex-start">
      <Button
        leftSection={<IconBrandWindows size={16} aria-hidden />}
        loading={busy}
        onClick={() => void go()}
        {...props}
      >
        {label}
      </Button>
      {error != null && (
        <Alert color="red" role="alert" title="The sign-in could not start">
          {errorText(error)}
        </Alert>
      )}
    </Stack>
  );
}
