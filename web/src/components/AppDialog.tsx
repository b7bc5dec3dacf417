import { Modal, type ModalProps } from "@mantine/core";

/**
 * A modal dialog as the app uses it: a title (Mantine labels the dialog with it), a close button with a name, Escape
 * and a click outside close it, focus stays inside while it is open. Put the body in its own component so its state
 * starts fresh every time the dialog opens (Mantine unmounts the children when it closes).
 */
export function AppDialog({ title, ...props }: ModalProps & { title: string }) {
  return (
    <Modal
      centered
      title={title}
      closeButtonProps={{ "aria-label": "Close" }}
      size="md"
      styles={{ title: { fontWeight: 600, fontSize: "var(--mantine-font-size-lg)" } }}
      {...props}
    />
  );
}
