/**
 * The OpenAPI document as a whole: small enough to load (shared shapes are components, not copies),
 * every error answer is the one envelope component, and each operation lists only statuses it can
 * answer — checked against the operation's method and inputs, and, for 401, 413 and 415, by asking
 * the running server.
 */
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { startTestServer, type TestServer } from "../harness/server.js";

type Json = Record<string, any>;
interface Operation {
  method: string;
  path: string;
  op: Json;
  statuses: number[];
}

const MAX_BYTES = 150 * 1024;
const ENVELOPE = "#/components/schemas/ErrorEnvelope";
const SUCCESS_BY_METHOD: Record<string, number[]> = {
  get: [200, 206, 302, 304],
  post: [200, 201, 202, 204],
  put: [200, 201, 204],
  // tus PATCH answers 204 (resumable uploads).
  patch: [200, 204],
  delete: [200, 204],
};
/** Tags of the routes that may reach a remote system (mounts divert file routes; connectors connect). */
const REMOTE_TAGS = /^(files|content|mounts|[a-z]+-connectors)$/;

let s: TestServer;
let raw: string;
let doc: Json;
let operations: Operation[];

/** The object a local `$ref` points at, or undefined. */
function deref(ref: string): unknown {
  if (!ref.startsWith("#/")) return undefined;
  return ref
    .slice(2)
    .split("/")
    .reduce<any>(
      (node, key) => (node === undefined ? undefined : node[key.replace(/~1/g, "/").replace(/~0/g, "~")]),
      doc,
    );
}

function refsIn(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) for (const v of value) refsIn(v, out);
  else if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      if (k === "$ref" && typeof v === "string") out.push(v);
      else refsIn(v, out);
    }
  }
  return out;
}

/** The path with every `{param}` filled with a well-formed but unknown id. */
const concrete = (path: string) => path.replace(/\{[^}]+\}/g, "x01ARZ3NDEKTSV4RRFFQ69G5FAV");
const isPublic = (op: Json) => Array.isArray(op.security) && op.security.length === 0;
/** A public operation's 401 is about credentials in its body (sign-in), never a missing token. */
const bodyCredentials401 = (op: Json) => /^INVALID_CREDENTIALS:/.test(op.responses["401"]?.description ?? "");
const jsonBody = (op: Json) => op.requestBody?.content?.["application/json"] !== undefined;

before(async () => {
  s = await startTestServer({ withFeatureRoutes: true });
  const res = await fetch(`${s.url}/api/v1/openapi.json`);
  assert.equal(res.status, 200);
  raw = await res.text();
  doc = JSON.parse(raw);
  operations = Object.entries<Json>(doc.paths).flatMap(([path, ops]) =>
    Object.entries<Json>(ops).map(([method, op]) => ({
      method,
      path,
      op,
      statuses: Object.keys(op.responses).map(Number),
    })),
  );
});

after(async () => {
  await s?.close();
});

describe("the OpenAPI document", () => {
  test(`is under ${MAX_BYTES / 1024} KiB and describes every route`, () => {
    assert.ok(Buffer.byteLength(raw) < MAX_BYTES, `${Buffer.byteLength(raw)} bytes`);
    assert.ok(operations.length > 70, `${operations.length} operations`);
  });

  test("shared shapes are components, referenced by $ref; every $ref resolves", () => {
    const schemas = doc.components.schemas;
    for (const name of [
      "ErrorEnvelope",
      "Node",
      "Share",
      "User",
      "Group",
      "Token",
      "Version",
      "AclView",
      "Mount",
      "Alert",
      "ConnectorJob",
      "ConnectorJobDetail",
      "ConnectorFileState",
      "SMBConnector",
      "SharePointConnector",
      "SMBIdentityMapping",
    ]) {
      assert.ok(schemas[name], `components.schemas.${name}`);
    }
    assert.deepEqual(
      Object.keys(schemas).filter((n) => /^def-\d+$/.test(n)),
      [],
      "components keep their names",
    );
    const stat = doc.paths["/api/v1/shares/{share_id}/files/stat"].get.responses["200"];
    assert.equal(stat.content["application/json"].schema.$ref, "#/components/schemas/Node");
    const connector = doc.paths["/api/v1/smb-connectors/{id}"].get.responses["200"];
    assert.equal(connector.content["application/json"].schema.$ref, "#/components/schemas/SMBConnector");
    for (const ref of new Set(refsIn(doc))) assert.ok(deref(ref) !== undefined, `dangling ${ref}`);
  });

  test("every error answer is the ErrorEnvelope component; 500 is described once, not per route", () => {
    assert.match(doc.info.description, /500 `INTERNAL`/);
    for (const { method, path, op } of operations) {
      for (const [status, response] of Object.entries<Json>(op.responses)) {
        if (Number(status) < 400) continue;
        assert.notEqual(status, "500", `${method} ${path}`);
        const resolved = (response.$ref ? deref(response.$ref) : response) as Json;
        assert.equal(resolved.content["application/json"].schema.$ref, ENVELOPE, `${method} ${path} ${status}`);
        assert.ok(resolved.description.length > 0);
      }
    }
  });

  test("each operation lists only statuses its method and inputs allow", () => {
    const problems: string[] = [];
    const no = (o: Operation, status: number, why: string) => {
      if (o.statuses.includes(status)) problems.push(`${o.method.toUpperCase()} ${o.path} lists ${status}, but ${why}`);
    };
    for (const o of operations) {
      const { op } = o;
      const successes = o.statuses.filter((st) => st < 400);
      assert.ok(successes.length > 0, `${o.method} ${o.path} lists no success`);
      for (const st of successes)
        if (!SUCCESS_BY_METHOD[o.method]!.includes(st))
          problems.push(`${o.method.toUpperCase()} ${o.path} lists ${st}`);
      const hasInput = (op.parameters?.length ?? 0) > 0 || op.requestBody !== undefined;
      if (!hasInput) no(o, 400, "it takes no input");
      if (isPublic(op)) {
        if (!bodyCredentials401(op)) no(o, 401, "it is public (and checks no credentials in its body)");
      } else if (!o.statuses.includes(401))
        problems.push(`${o.method.toUpperCase()} ${o.path} needs a token ` + `but does not list 401`);
      if (!op.requestBody) {
        no(o, 413, "it takes no body");
        no(o, 415, "it takes no body");
      }
      if (jsonBody(op)) {
        for (const st of [400, 413, 415])
          if (!o.statuses.includes(st))
            problems.push(`${o.method.toUpperCase()} ${o.path} takes JSON ` + `but does not list ${st}`);
      }
      const content = op.requestBody?.content ?? {};
      const uploads =
        content["application/octet-stream"] !== undefined || content["application/offset+octet-stream"] !== undefined;
      if (!uploads) {
        no(o, 408, "only uploads time out on their own");
        no(o, 412, "only uploads take If-Match / If-None-Match");
      }
      const downloads = op.responses["200"]?.content?.["application/json"]?.schema?.format === "binary";
      if (!downloads) for (const st of [206, 304, 416]) no(o, st, "it sends no content");
      if (!(op.tags ?? []).some((t: string) => REMOTE_TAGS.test(t)))
        for (const st of [502, 504]) no(o, st, "it reaches no remote");
    }
    assert.deepEqual(problems, []);
  });
});

describe("the listed statuses against the running server", () => {
  test("401 is answered exactly where it is listed", async () => {
    const problems: string[] = [];
    for (const o of operations) {
      const res = await fetch(`${s.url}${concrete(o.path)}`, { method: o.method.toUpperCase() });
      await res.arrayBuffer();
      // Sign-in's 401 answers wrong credentials in the body, not a request without a token.
      if ((res.status === 401) !== (o.statuses.includes(401) && !isPublic(o.op)))
        problems.push(`${o.method.toUpperCase()} ${o.path}: ${res.status}`);
    }
    assert.deepEqual(problems, []);
  });

  test("routes listing 415 refuse a text body with 415; those listing 413 refuse one over 1 MiB with 413", async () => {
    const problems: string[] = [];
    const auth = { authorization: `Bearer ${s.adminToken}` };
    for (const o of operations.filter((x) => jsonBody(x.op))) {
      const url = `${s.url}${concrete(o.path)}`;
      const text = await fetch(url, {
        method: o.method.toUpperCase(),
        headers: { ...auth, "content-type": "text/plain" },
        body: "hello",
      });
      await text.arrayBuffer();
      if (text.status !== 415) problems.push(`${o.method.toUpperCase()} ${o.path} text body: ${text.status}`);
      const big = await fetch(url, {
        method: o.method.toUpperCase(),
        headers: { ...auth, "content-type": "application/json" },
        body: `"${"x".repeat(1024 * 1024 + 10)}"`,
      });
      await big.arrayBuffer();
      if (big.status !== 413) problems.push(`${o.method.toUpperCase()} ${o.path} large body: ${big.status}`);
    }
    assert.deepEqual(problems, []);
  });
});

describe("the docs page", () => {
  test("carries ScaiDrive's name and logo; the logo is served", async () => {
    const page = await fetch(`${s.url}/api/docs/`);
    const html = await page.text();
    assert.match(html, /<title>ScaiDrive API<\/title>/);
    const icon = /href="([^"]*scaidrive-logo\.svg)"/.exec(html)?.[1];
    assert.ok(icon, html);
    const logo = await fetch(new URL(icon, `${s.url}/api/docs/`));
    assert.equal(logo.status, 200);
    assert.match(logo.headers.get("content-type") ?? "", /^image\/svg\+xml/);
    const svg = await logo.text();
    assert.match(svg, /<svg[^>]*>[\s\S]*ScaiDrive/);
    const initializer = await (await fetch(`${s.url}/api/docs/static/swagger-initializer.js`)).text();
    assert.ok(
      initializer.includes(`data:image/svg+xml;base64,${Buffer.from(svg).toString("base64")}`),
      "the header shows the same logo",
    );
  });
});
