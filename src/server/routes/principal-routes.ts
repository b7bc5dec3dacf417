import { Type } from "typebox";
import type { RouteModule } from "../app-types.js";
import { requireAdmin, requireUser } from "../auth.js";
import { AppError } from "../../core/errors.js";
import { setSessionCookie } from "../session-cookie.js";
import {
  Group,
  GroupId,
  JSON_BODY,
  NewPassword,
  Page,
  PageQuery,
  Token,
  User,
  UserId,
  errors,
  ref,
} from "../schemas.js";

const SearchQuery = {
  q: Type.Optional(
    Type.String({ maxLength: 200, description: "only those whose name (or a user's email) contains this, any case" }),
  ),
};

/**
 * Users, groups, members and tokens. Creating and changing users and groups and changing
 * membership needs an admin; any authenticated user may look principals up (to grant ACEs),
 * create tokens for itself, rename itself and change its own password.
 */
export const principalRoutes: RouteModule = (app, ctx) => {
  const p = ctx.principals;
  const accounts = ctx.accounts;

  app.post(
    "/api/v1/users",
    {
      schema: {
        tags: ["users"],
        summary: "Create a user (admin)",
        body: Type.Object({
          email: Type.String({ minLength: 3, maxLength: 320 }),
          name: Type.String({ minLength: 1, maxLength: 400 }),
          is_admin: Type.Optional(Type.Boolean()),
        }),
        response: { 201: ref(User), ...errors(JSON_BODY, 401, 403, 409) },
      },
    },
    async (req, reply) => {
      const actor = await requireAdmin(req);
      return reply.status(201).send(await p.createUser(actor, req.body));
    },
  );

  app.get(
    "/api/v1/users",
    {
      schema: {
        tags: ["users"],
        summary: "List users (`q` filters by name or email)",
        querystring: Type.Object({ ...PageQuery, ...SearchQuery }),
        response: { 200: Page(ref(User)), ...errors(400, 401) },
      },
    },
    async (req) => {
      await requireUser(req);
      return p.listUsers(req.query);
    },
  );

  app.get(
    "/api/v1/users/me",
    {
      schema: { tags: ["users"], summary: "The caller", response: { 200: ref(User), ...errors(401) } },
    },
    async (req) => p.getUser((await requireUser(req)).userId),
  );

  app.patch(
    "/api/v1/users/me",
    {
      schema: {
        tags: ["users"],
        summary: "Rename yourself",
        body: Type.Object({ name: Type.String({ minLength: 1, maxLength: 400 }) }),
        response: { 200: ref(User), ...errors(JSON_BODY, 401) },
      },
    },
    async (req) => p.renameSelf(await requireUser(req), req.body.name),
  );

  app.put(
    "/api/v1/users/me/password",
    {
      schema: {
        tags: ["users"],
        summary:
          "Change your password; ends your other sessions " +
          "(a session caller gets a new session cookie, same CSRF token)",
        body: Type.Object({
          current_password: Type.String({ minLength: 1, maxLength: 1024 }),
          new_password: NewPassword,
        }),
        response: { 204: Type.Null(), ...errors(JSON_BODY, 401, 429) },
      },
    },
    async (req, res) => {
      const actor = await requireUser(req);
      const fresh = await accounts.changeOwnPassword(actor, { ...req.body, address: req.ip }, req.session);
      if (fresh) setSessionCookie(req, res, fresh.id);
      return res.status(204).send(null);
    },
  );

  app.patch(
    "/api/v1/users/:id",
    {
      schema: {
        tags: ["users"],
        summary: "Rename, promote, demote, disable or enable a user (admin); disabling ends their sessions",
        params: Type.Object({ id: UserId }),
        body: Type.Object({
          name: Type.Optional(Type.String({ minLength: 1, maxLength: 400 })),
          is_admin: Type.Optional(Type.Boolean()),
          disabled: Type.Optional(Type.Boolean()),
        }),
        response: { 200: ref(User), ...errors(JSON_BODY, 401, 403, 404, 409) },
      },
    },
    async (req) => p.updateUser(await requireAdmin(req), req.params.id, req.body),
  );

  app.put(
    "/api/v1/users/:id/password",
    {
      schema: {
        tags: ["users"],
        summary: "Set a user's password (admin); ends their sessions",
        params: Type.Object({ id: UserId }),
        body: Type.Object({ password: NewPassword }),
        response: { 204: Type.Null(), ...errors(JSON_BODY, 401, 403, 404) },
      },
    },
    async (req, res) => {
      await accounts.setPassword(await requireAdmin(req), req.params.id, req.body.password);
      return res.status(204).send(null);
    },
  );

  app.post(
    "/api/v1/users/:id/password-link",
    {
      schema: {
        tags: ["users"],
        summary: "Create a single-use set-password link valid for 24 h (admin); replaces the user's unused links",
        params: Type.Object({ id: UserId }),
        response: {
          201: Type.Object({
            url: Type.String({ description: "a path: /set-password?token=…" }),
            token: Type.String(),
            expires_at: Type.String({ format: "date-time" }),
          }),
          ...errors(400, 401, 403, 404),
        },
      },
    },
    async (req, res) => {
      return res.status(201).send(await accounts.createPasswordLink(await requireAdmin(req), req.params.id));
    },
  );

  app.get(
    "/api/v1/users/:id",
    {
      schema: {
        tags: ["users"],
        summary: "One user",
        params: Type.Object({ id: Type.String() }),
        response: { 200: ref(User), ...errors(401, 404) },
      },
    },
    async (req) => {
      await requireUser(req);
      return p.getUser(req.params.id);
    },
  );

  app.post(
    "/api/v1/groups",
    {
      schema: {
        tags: ["groups"],
        summary: "Create a group (admin)",
        body: Type.Object({ name: Type.String({ minLength: 1, maxLength: 400 }) }),
        response: { 201: ref(Group), ...errors(JSON_BODY, 401, 403, 409) },
      },
    },
    async (req, reply) => {
      const actor = await requireAdmin(req);
      return reply.status(201).send(await p.createGroup(actor, req.body));
    },
  );

  app.get(
    "/api/v1/groups",
    {
      schema: {
        tags: ["groups"],
        summary: "List groups (`q` filters by name)",
        querystring: Type.Object({ ...PageQuery, ...SearchQuery }),
        response: { 200: Page(ref(Group)), ...errors(400, 401) },
      },
    },
    async (req) => {
      await requireUser(req);
      return p.listGroups(req.query);
    },
  );

  app.get(
    "/api/v1/groups/:id",
    {
      schema: {
        tags: ["groups"],
        summary: "One group with its member ids",
        params: Type.Object({ id: Type.String() }),
        response: { 200: ref(Group), ...errors(401, 404) },
      },
    },
    async (req) => {
      await requireUser(req);
      return p.getGroup(req.params.id);
    },
  );

  app.delete(
    "/api/v1/groups/:id",
    {
      schema: {
        tags: ["groups"],
        summary: "Delete a group (admin) with its memberships and the ACEs and identity mappings naming it",
        params: Type.Object({ id: GroupId }),
        response: { 204: Type.Null(), ...errors(400, 401, 403, 404) },
      },
    },
    async (req, res) => {
      await p.deleteGroup(await requireAdmin(req), req.params.id);
      return res.status(204).send(null);
    },
  );

  app.post(
    "/api/v1/groups/:id/members",
    {
      schema: {
        tags: ["groups"],
        summary: "Add a member (admin, idempotent)",
        params: Type.Object({ id: GroupId }),
        body: Type.Object({ user_id: UserId }),
        response: { 200: ref(Group), ...errors(JSON_BODY, 401, 403, 404) },
      },
    },
    async (req) => {
      const actor = await requireAdmin(req);
      return p.addMember(actor, req.params.id, req.body.user_id);
    },
  );

  app.delete(
    "/api/v1/groups/:id/members",
    {
      schema: {
        tags: ["groups"],
        summary: "Remove a member (admin); user_id in the JSON body or the query",
        params: Type.Object({ id: GroupId }),
        querystring: Type.Object({ user_id: Type.Optional(UserId) }),
        body: Type.Optional(Type.Object({ user_id: UserId })),
        response: { 200: ref(Group), ...errors(JSON_BODY, 401, 403, 404) },
      },
    },
    async (req) => {
      const actor = await requireAdmin(req);
      const userId = req.body?.user_id ?? req.query.user_id;
      if (!userId)
        throw new AppError("VALIDATION_FAILED", "user_id is required (JSON body or query)", { field: "user_id" });
      return p.removeMember(actor, req.params.id, userId);
    },
  );

  app.delete(
    "/api/v1/groups/:id/members/:user_id",
    {
      schema: {
        tags: ["groups"],
        summary: "Remove a member (admin)",
        params: Type.Object({ id: GroupId, user_id: UserId }),
        response: { 200: ref(Group), ...errors(400, 401, 403, 404) },
      },
    },
    async (req) => {
      const actor = await requireAdmin(req);
      return p.removeMember(actor, req.params.id, req.params.user_id);
    },
  );

  app.post(
    "/api/v1/tokens",
    {
      schema: {
        tags: ["tokens"],
        summary: "Create an API token (shown once); for yourself, or for anyone as admin",
        body: Type.Object({ user_id: UserId, name: Type.String({ minLength: 1, maxLength: 400 }) }),
        response: {
          201: Type.Object({
            id: Type.String(),
            token: Type.String(),
            user_id: Type.String(),
            name: Type.String(),
            created_at: Type.String(),
          }),
          ...errors(JSON_BODY, 401, 403, 404),
        },
      },
    },
    async (req, reply) => {
      const actor = await requireUser(req);
      return reply.status(201).send(await p.createToken(actor, req.body));
    },
  );

  app.get(
    "/api/v1/tokens",
    {
      schema: {
        tags: ["tokens"],
        summary: "List API tokens (never their secrets): your own, or another user's as admin",
        querystring: Type.Object({ ...PageQuery, user_id: Type.Optional(UserId) }),
        response: { 200: Page(ref(Token)), ...errors(400, 401, 403, 404) },
      },
    },
    async (req) => p.listTokens(await requireUser(req), req.query),
  );

  app.delete(
    "/api/v1/tokens/:id",
    {
      schema: {
        tags: ["tokens"],
        summary: "Revoke a token (your own, or anyone's as admin)",
        params: Type.Object({ id: Type.String() }),
        response: { 204: Type.Null(), ...errors(401, 404) },
      },
    },
    async (req, reply) => {
      await p.revokeToken(await requireUser(req), req.params.id);
      return reply.status(204).send(null);
    },
  );
};
