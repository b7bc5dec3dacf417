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
      { path: "*", lazy: () => import("./pages/NotFoundPage") },
    ],
  },
]);
