import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { graphFetch, useEmulator } from "./graph-test-support.js";

type Item = Record<string, any>;

describe("SharePoint naming rules", () => {
  const ctx = useEmulator();
  const mkdir = (parent: string, name: string): Promise<Response> =>
    graphFetch(ctx.emu, ctx.token, ctx.d(`${parent}/children`), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name, folder: {} }),
    });
  const upload = (path: string): Promise<Response> =>
    graphFetch(ctx.emu, ctx.token, ctx.d(`/root:/${path.split("/").map(encodeURIComponent).join("/")}:/content`), {
      method: "PUT",
      body: "x",
    });
  const rename = (id: string, name: string): Promise<Response> =>
    graphFetch(ctx.emu, ctx.token, ctx.d(`/items/${id}`), {
      method: "PATCH",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name }),
    });
  async function expectRefused(res: Response, status: number, code: string, what: string): Promise<void> {
    assert.equal(res.status, status, what);
    assert.equal(((await res.json()) as Item).error.code, code, what);
  }

  test('characters " * : < > ? / \\ | are refused in folder creation, uploads and renames', async () => {
    const file = (await (await upload("Naming/ok.txt")).json()) as Item;
    for (const ch of ['"', "*", ":", "<", ">", "?", "/", "\\", "|"]) {
      await expectRefused(await mkdir("/root", `bad${ch}name`), 400, "invalidRequest", `mkdir with ${ch}`);
      await expectRefused(await rename(file.id, `bad${ch}name.txt`), 400, "invalidRequest", `rename with ${ch}`);
    }
    for (const ch of ['"', "*", "<", ">", "|", "\\"]) {
      await expectRefused(await upload(`Naming/bad${ch}name.txt`), 400, "invalidRequest", `upload with ${ch}`);
    }
  });

  test("leading and trailing spaces are refused", async () => {
    for (const name of [" lead.txt", "trail.txt ", " both "]) {
      await expectRefused(await mkdir("/root", name), 400, "invalidRequest", JSON.stringify(name));
    }
  });

  test("reserved names: .lock, CON, PRN, AUX, NUL, COM0-9, LPT0-9 (any case, with extensions), _vti_", async () => {
    const reserved = [".lock", "CON", "prn", "Aux", "NUL", "con.txt"];
    for (let i = 0; i <= 9; i++) reserved.push(`COM${i}`, `lpt${i}`);
    reserved.push("_vti_", "my_vti_folder");
    for (const name of reserved) {
      await expectRefused(await mkdir("/root", name), 400, "invalidRequest", name);
    }
    const allowed = ["CONTRACTS", "console.txt", "COM10", "vti"];
    for (const name of allowed) assert.equal((await mkdir("/root", name)).status, 201, name);
  });

  test('"forms" is reserved at the library root only', async () => {
    await expectRefused(await mkdir("/root", "forms"), 400, "invalidRequest", "forms at root");
    await expectRefused(await mkdir("/root", "Forms"), 400, "invalidRequest", "Forms at root");
    assert.equal((await mkdir("/root:/Campaigns:", "Forms")).status, 201, "forms below the root");
  });

  test("decoded paths above 400 characters are refused", async () => {
    // /sites/marketing/Shared Documents/ is 34 characters.
    const deep = `${"d".repeat(200)}/${"e".repeat(150)}`;
    assert.equal((await upload(`${deep}/${"f".repeat(10)}.txt`)).status, 201, "under the limit");
    await expectRefused(await upload(`${deep}/${"f".repeat(20)}.txt`), 400, "invalidRequest", "over the limit");
  });

  test("case-insensitive collisions answer 409 nameAlreadyExists", async () => {
    assert.equal((await mkdir("/root", "Reports")).status, 201);
    await expectRefused(await mkdir("/root", "REPORTS"), 409, "nameAlreadyExists", "folder");
    const a = (await (await upload("Case/Plan.docx")).json()) as Item;
    await upload("Case/Other.docx");
    await expectRefused(await rename(a.id, "other.DOCX"), 409, "nameAlreadyExists", "rename onto a sibling");
    const fail = await graphFetch(
      ctx.emu,
      ctx.token,
      ctx.d("/root:/Case/PLAN.docx:/content?@microsoft.graph.conflictBehavior=fail"),
      { method: "PUT", body: "y" },
    );
    await expectRefused(fail, 409, "nameAlreadyExists", "upload with fail");
    const replaced = await graphFetch(ctx.emu, ctx.token, ctx.d("/root:/Case/PLAN.docx:/content"), {
      method: "PUT",
      body: "y",
    });
    assert.equal(replaced.status, 200);
    assert.equal(((await replaced.json()) as Item).id, a.id, "replace hits the same file whatever the case");
  });
});
