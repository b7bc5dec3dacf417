import { Group, Stack, Text, Title, type TitleOrder } from "@mantine/core";

/** A page or section heading with a line on what it is for and its main action on the right. */
export function SectionHeader({
  title,
  description,
  action,
  order = 2,
  id,
}: {
  title: string;
  /** For `aria-labelledby` of the section the header opens. */
  id?: string;
  description?: React.ReactNode;
  action?: React.ReactNode;
  order?: TitleOrder;
}) {
  return (
    <Group justify="space-between" align="flex-end" wrap="wrap" gap="sm">
      <Stack gap={4}>
        <Title order={order} id={id}>
          {title}
        </Title>
        {description && (
          <Text size="sm" c="dimmed">
            {description}
          </Text>
        )}
      </Stack>
      {action}
    </Group>
  );
}
