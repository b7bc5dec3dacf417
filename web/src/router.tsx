import { createBrowserRouter, Navigate } from "react-router";
import { AppLayout } from "./components/AppLayout";
import { PageLoader } from "./components/PageLoader";
import { RouteError } from "./components/RouteError";
import { SignInPage } from "./pages/SignInPage";

/**
 * Every page but sign-in loads on demand, so the first route's JavaScript stays small. Pages export `Component`
 * (react-router's lazy-route convention).
 */
export const router = createBrowserRouter([
  { path: "/sign-in", element: <SignInPage />, errorElement: <RouteError /> },
  { path: "/set-password", lazy: () => import("./pages/SetPasswordPage"), errorElement: <RouteError /> },
  {
    path: "/",
    element: <AppLayout />,
    hydrateFallbackElement: <PageLoader />,
    errorElement: <RouteError />,
    children: [
      { index: true, element: <Navigate to="/files" replace /> },
      { path: "files", lazy: () => import("./pages/SharesPage") },
      { path: "files/:shareId/*", lazy: () => import("./pages/files/FolderPage") },
      { path: "connectors", lazy: () => import("./pages/connectors/ConnectorsPage") },
      { path: "connectors/:type/:id", lazy: () => import("./pages/connectors/ConnectorPage") },
      { path: "account", lazy: () => import("./pages/account/AccountPage") },
      {
        path: "admin",
        lazy: () => import("./pages/admin/AdminLayout"),
        children: [
          { index: true, element: <Navigate to="/admin/users" replace /> },
          { path: "users", lazy: () => import("./pages/admin/UsersPage") },
          { path: "groups", lazy: () => import("./pages/admin/GroupsPage") },
          { path: "shares", lazy: () => import("./pages/admin/SharesAdminPage") },
          { path: "alerts", lazy: () => import("./pages/admin/AlertsPage") },
        ],
      },
      { path: "*", lazy: () => import("./pages/NotFoundPage") },
    ],
  },
]);
