import { createTheme } from "@mantine/core";

// Blue primary with enough contrast for text on white (axe checks colour contrast on every page).
export const theme = createTheme({
  primaryColor: "blue",
  primaryShade: 8,
  fontFamily: "system-ui, -apple-system, 'Segoe UI', Roboto, 'Liberation Sans', sans-serif",
  defaultRadius: "sm",
});
