import { Type } from "typebox";
import type { RouteModule } from "../app-types.js";
import { requireUser } from "../auth.js";
import { checkOriginIfPresent } from "../csrf-check.js";
import { clearSessionCookie, setSessionCookie } from "../session-cookie.js";
import { AppError } from "../../core/errors.js";
import { JSON_BODY, NewPassword, Session, errorAs, errors, ref } from "../schemas.js";

/**
 * Sign-in with email and password, the session it starts, sign-out and set-password links
 * (docs/permissions.md "Sign-in and sessions"). Sign-in and set-password are public; the session
 * lives in the HttpOnly `scaidrive_session` cookie and its CSRF token is handed to the page.
 */
export const authRoutes: RouteModule = (app, ctx) => {
  app.post(
    "/api/v1/auth/sign-in",
    {
      config: { public: true },
      schema: {
        tags: ["auth"],
        summary: "Sign in with email and password; sets the session cookie",
        security: [],
        body: Type.Object({
          email: Type.String({ minLength: 1, maxLength: 320 }),
          password: Type.String({ minLength: 1, maxLength: 1024 }),
        }),
        response: {
          200: ref(Session),
          ...errors(JSON_BODY, 429),
          ...errorAs(
            401,
            "INVALID_CREDENTIALS: wrong email or password (the same answer for an unknown email, " +
              "a wrong password and an account without a password)",
          ),
          ...errorAs(
            403,
            "ACCOUNT_DISABLED: the password was right but the account is disabled; " +
              "CSRF_REJECTED: the request came from another site's page (Origin)",
          ),
        },
      },
    },
    async (req, res) => {
      checkOriginIfPresent(req, ctx.config.publicOrigins);
      const { user, session } = await ctx.accounts.signIn({ ...req.body, address: req.ip });
      setSessionCookie(req, res, session.id);
      return { user, csrf_token: session.csrfToken, expires_at: session.expiresAt };
    },
  );

  app.post(
    "/api/v1/auth/sign-out",
    {
      schema: {
        tags: ["auth"],
        summary: "End the session of the cookie and clear the cookie",
        response: { 204: Type.Null(), ...errors(401) },
      },
    },
    async (req, res) => {
      await requireUser(req);
      if (req.session) await ctx.accounts.signOut(req.session);
      clearSessionCookie(req, res);
      return res.status(204).send(null);
    },
  );

  app.get(
    "/api/v1/auth/session",
    {
      schema: {
        tags: ["auth"],
        summary: "The session of the cookie: the user, the CSRF token and when it ends",
        response: { 200: ref(Session), ...errors(401) },
      },
    },
    async (req) => {
      await requireUser(req);
      const session = req.session;
      if (!session)
        throw new AppError("UNAUTHENTICATED", "no session: this request carries a bearer token, not a session cookie");
      return {
        user: await ctx.principals.getUser(session.userId),
        csrf_token: session.csrfToken,
        expires_at: session.expiresAt,
      };
    },
  );

  app.post(
    "/api/v1/auth/set-password",
    {
      config: { public: true },
      schema: {
        tags: ["auth"],
        summary: "Set a password with a set-password link's token (single use); ends the user's sessions",
        security: [],
        body: Type.Object({ token: Type.String({ minLength: 1, maxLength: 200 }), password: NewPassword }),
        response: {
          204: Type.Null(),
          ...errors(JSON_BODY),
          ...errorAs(403, "CSRF_REJECTED: the request came from another site's page (Origin)"),
        },
      },
    },
    async (req, res) => {
      checkOriginIfPresent(req, ctx.config.publicOrigins);
      await ctx.accounts.usePasswordLink(req.body.token, req.body.password);
      return res.status(204).send(null);
    },
  );
};
