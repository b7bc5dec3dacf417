import { Anchor, Breadcrumbs, Text } from "@mantine/core";
import { Link } from "react-router";
import { folderUrl, pathSegments } from "../../api/paths";

/** Shares › share › folders down to the one shown; every step but the current folder is a link. */
export function FolderBreadcrumbs({ shareId, shareName, path }: { shareId: string; shareName: string; path: string }) {
  const steps = [{ name: shareName, path: "/" }, ...pathSegments(path)];
  return (
    <nav aria-label="Breadcrumb">
      <Breadcrumbs separator="›" separatorMargin={6} styles={{ root: { flexWrap: "wrap" } }}>
        <Anchor component={Link} to="/files" size="sm" c="dimmed">
          Shares
        </Anchor>
        {steps.map((step, i) =>
          i === steps.length - 1 ? (
            <Text key={step.path} size="sm" fw={500} aria-current="page">
              {step.name}
            </Text>
          ) : (
            <Anchor key={step.path} component={Link} to={folderUrl(shareId, step.path)} size="sm">
              {step.name}
            </Anchor>
          ),
        )}
      </Breadcrumbs>
    </nav>
  );
}
