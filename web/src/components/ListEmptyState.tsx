import { EmptyState } from "@mantine/core";

/** What an empty list says: what would be here and how to add the first one. */
export function ListEmptyState({
  title,
  description,
  icon,
  action,
}: {
  title: string;
  description: React.ReactNode;
  icon?: React.ReactNode;
  action?: React.ReactNode;
}) {
  return (
    <EmptyState
      title={title}
      description={description}
      icon={icon}
      withIndicatorBackground={!!icon}
      py="xl"
      bd="1px dashed var(--mantine-color-gray-4)"
      bdrs="md"
    >
      {action && <EmptyState.Actions>{action}</EmptyState.Actions>}
    </EmptyState>
  );
}
