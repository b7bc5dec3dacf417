import { useEffect, useState } from "react";
import { Alert, Text } from "@mantine/core";
import { useSearchParams } from "react-router";
import type { Connector } from "../../../api/connectors";
import { authorizedUser } from "../../../api/sharepoint";
import { SignInAgainButton } from "./SignInAgainButton";

type Landing = { kind: "signed_in" } | { kind: "failed"; message: string };

/**
 * Where the Microsoft sign-in lands: `?authorized=true` shows who signed in, `?sign_in_error=<message>` why it did
 * not complete (with a way to try again). The query leaves the address once read, so a reload does not repeat it.
 */
export function SignInNotice({ connector, canManage }: { connector: Connector; canManage: boolean }) {
  const [params, setParams] = useSearchParams();
  const [landing, setLanding] = useState<Landing | null>(null);
  const authorized = params.get("authorized");
  const failure = params.get("sign_in_error");

  // Taken from the address while rendering; the effect then removes it from there.
  const fromQuery: Landing | null =
    failure !== null ? { kind: "failed", message: failure } : authorized !== null ? { kind: "signed_in" } : null;
  if (fromQuery && JSON.stringify(fromQuery) !== JSON.stringify(landing)) setLanding(fromQuery);
  useEffect(() => {
    if (authorized === null && failure === null) return;
    setParams(
      (p) => {
        p.delete("authorized");
        p.delete("sign_in_error");
        return p;
      },
      { replace: true },
    );
  }, [authorized, failure, setParams]);

  if (!landing) return <SignInPrompt connector={connector} canManage={canManage} />;
  if (landing.kind === "failed")
    return (
      <Alert
        color="red"
        role="alert"
        title="The sign-in with Microsoft did not complete"
        withCloseButton
        closeButtonLabel="Dismiss"
        onClose={() => setLanding(null)}
      >
        <Text size="sm">{landing.message || "Microsoft did not say why."}</Text>
        {canManage && connector.auth_type === "user_auth" && <SignInAgainButton connectorId={connector.id} mt="sm" />}
      </Alert>
    );
  const user = authorizedUser(connector);
  return (
    <Alert
      color="teal"
      role="status"
      title="Signed in"
      withCloseButton
      closeButtonLabel="Dismiss"
      onClose={() => setLanding(null)}
    >
      {user
        ? `Signed in with Microsoft as ${user.name ? `${user.name} (${user.email})` : user.email}.`
        : "Signed in with Microsoft."}{" "}
      {connector.enabled ? "The connection uses this account from now on." : ""}
    </Alert>
  );
}

/** A delegated connection nobody has signed in for (yet, or since a change of place): it cannot run. */
function SignInPrompt({ connector, canManage }: { connector: Connector; canManage: boolean }) {
  if (!canManage || connector.auth_type !== "user_auth" || connector.refresh_token_set === true) return null;
  return (
    <Alert color="yellow" title="Not signed in with Microsoft">
      <Text size="sm">
        This connection works as the Microsoft account that signs in for it. Until someone does, its runs fail.
      </Text>
      <SignInAgainButton connectorId={connector.id} label="Sign in with Microsoft" mt="sm" />
    </Alert>
  );
}
