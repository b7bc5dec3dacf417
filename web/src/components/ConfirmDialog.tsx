import { useState } from "react";
import { Alert, Button, Group, Stack, Text, TextInput } from "@mantine/core";
import { errorText } from "../api/error-text";
import { AppDialog } from "./AppDialog";

export interface ConfirmDialogProps {
  opened: boolean;
  onClose: () => void;
  title: string;
  /** What will happen, in words. */
  children: React.ReactNode;
  confirmLabel: string;
  /** Red confirm button for what cannot be undone. */
  danger?: boolean;
  /** Type-to-confirm: the confirm button stays off until `expected` is typed into a box labelled `label`. */
  typeToConfirm?: { label: string; expected: string };
  /** Runs on confirm; the dialog closes when it resolves and shows the error when it rejects. */
  onConfirm: () => Promise<unknown>;
}

/** Asks before an action; Enter confirms, Escape or "Cancel" backs out, a refusal is shown inside the dialog. */
export function ConfirmDialog({ opened, onClose, title, ...body }: ConfirmDialogProps) {
  return (
    <AppDialog opened={opened} onClose={onClose} title={title}>
      <ConfirmBody {...body} onClose={onClose} />
    </AppDialog>
  );
}

function ConfirmBody({
  children,
  confirmLabel,
  danger,
  typeToConfirm,
  onConfirm,
  onClose,
}: Omit<ConfirmDialogProps, "opened" | "title">) {
  const [typed, setTyped] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const allowed = !typeToConfirm || typed === typeToConfirm.expected;

  async function submit(event: React.FormEvent) {
    event.preventDefault();
    if (!allowed) return;
    setBusy(true);
    setError(null);
    try {
      await onConfirm();
      onClose();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form onSubmit={submit} noValidate>
      <Stack>
        {typeof children === "string" ? <Text size="sm">{children}</Text> : children}
        {typeToConfirm && (
          <TextInput
            label={typeToConfirm.label}
            description={`Type “${typeToConfirm.expected}” to confirm`}
            autoComplete="off"
            value={typed}
            onChange={(e) => setTyped(e.currentTarget.value)}
            data-autofocus
          />
        )}
        {error != null && (
          <Alert color="red" role="alert" title="Not done">
            {errorText(error)}
          </Alert>
        )}
        <Group justify="flex-end" gap="sm">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button type="submit" color={danger ? "red" : undefined} loading={busy} disabled={!allowed}>
            {confirmLabel}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
