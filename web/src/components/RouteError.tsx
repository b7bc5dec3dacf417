import { Container } from "@mantine/core";
import { useRouteError } from "react-router";
import { ErrorNotice } from "./ErrorNotice";

/** Shown when a page fails to load or throws while rendering. */
export function RouteError() {
  const error = useRouteError();
  return (
    <Container size="sm" py="xl">
      <ErrorNotice error={error} title="This page could not be shown" />
    </Container>
  );
}
