/**
 * The emulated Entra ID directory: tenants, their users, groups and app registrations (with
 * credentials and granted permissions), plus the {@link GrantStore} of codes and refresh tokens.
 * Built once from a {@link DirectoryFixture}; lookups never throw — an unknown id answers
 * `undefined`, and callers map that to the Entra or Graph error they need.
 */
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { X509Certificate } from "node:crypto";
import type {
  AppFixture,
  DirectoryFixture,
  GroupFixture,
  SiteGrantFixture,
  TenantFixture,
  UserFixture,
} from "./directory-fixture.js";
import { GrantStore } from "./grant-store.js";
import { certificateThumbprints, createClientCertificateSync, type ClientCertificate } from "../tls.js";

export type { DirectoryFixture } from "./directory-fixture.js";

export interface DirectoryUser {
  id: string;
  tenantId: string;
  userPrincipalName: string;
  displayName: string;
  givenName: string | null;
  surname: string | null;
  mail: string;
  jobTitle: string | null;
  accountEnabled: boolean;
  /** Never serialise this into Graph responses. */
  password?: string;
}

export interface DirectoryGroup {
  id: string;
  tenantId: string;
  displayName: string;
  description: string | null;
  mail: string | null;
  mailNickname: string;
  groupTypes: string[];
  securityEnabled: boolean;
  mailEnabled: boolean;
  /** Direct member ids (users or groups). */
  memberIds: string[];
}

export interface AppSecret {
  keyId: string;
  value: string;
  displayName: string | null;
  endDateTime: Date | null;
}

export interface AppCertificate {
  keyId: string;
  displayName: string | null;
  endDateTime: Date | null;
  /** Public key to verify client assertions with. */
  publicKeyPem: string;
  /** Upper-case hex, no colons. */
  thumbprintSha1: string;
  thumbprintSha256: string;
}

export interface SiteGrant {
  site: string;
  roles: SiteGrantFixture["roles"];
}

export interface DirectoryApp {
  appId: string;
  tenantId: string;
  displayName: string;
  secrets: AppSecret[];
  certificates: AppCertificate[];
  redirectUris: string[];
  publicClient: boolean;
  appRoles: string[];
  delegatedScopes: string[];
  siteGrants: SiteGrant[];
}

export interface DirectoryTenant {
  id: string;
  name: string;
  domain: string;
  displayName: string;
  users: DirectoryUser[];
  groups: DirectoryGroup[];
  apps: DirectoryApp[];
}

/** Files of a certificate made for `generate: true`, for the tests and the info line. */
export interface GeneratedCertificate extends ClientCertificate {
  tenantId: string;
  appId: string;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export class Directory {
  readonly tenants: DirectoryTenant[] = [];
  readonly grants = new GrantStore();
  readonly generatedCertificates: GeneratedCertificate[] = [];

  private constructor() {}

  /**
   * Builds the directory. Throws on a fixture that cannot work (duplicate tenant names or ids,
   * a group member that names no user or group, a certificate that is not PEM). `certDir` is where
   * `generate: true` certificates are written (a fresh temp dir each when omitted).
   */
  static fromFixture(f: DirectoryFixture, opts: { certDir?: string } = {}): Directory {
    const d = new Directory();
    for (const t of f.tenants ?? []) d.addTenant(t, opts.certDir);
    return d;
  }

  private addTenant(t: TenantFixture, certDir?: string): void {
    const id = (t.id ?? randomUUID()).toLowerCase();
    const domain = (t.domain ?? `${t.name}.onmicrosoft.com`).toLowerCase();
    if (!GUID.test(id)) throw new Error(`tenant ${t.name}: id ${id} is not a GUID`);
    if (this.findTenant(id) || this.findTenant(t.name) || this.findTenant(domain)) {
      throw new Error(`tenant ${t.name} is declared twice`);
    }
    const tenant: DirectoryTenant = {
      id,
      name: t.name,
      domain,
      displayName: t.displayName ?? t.name,
      users: [],
      groups: [],
      apps: [],
    };
    this.tenants.push(tenant);
    for (const u of t.users ?? []) tenant.users.push(toUser(u, tenant));
    for (const g of t.groups ?? []) tenant.groups.push(toGroupShell(g, tenant));
    (t.groups ?? []).forEach((g, i) => {
      tenant.groups[i].memberIds = (g.members ?? []).map((m) => {
        const hit = this.findUser(id, m) ?? this.findGroup(id, m);
        if (!hit) throw new Error(`group ${g.displayName}: member ${m} is not a user or group of ${t.name}`);
        return hit.id;
      });
    });
    for (const a of t.apps ?? []) tenant.apps.push(this.toApp(a, tenant, certDir));
  }

  private toApp(a: AppFixture, tenant: DirectoryTenant, certDir?: string): DirectoryApp {
    const appId = (a.appId ?? randomUUID()).toLowerCase();
    const certificates: AppCertificate[] = (a.certificates ?? []).map((c, i) => {
      let pem = c.pem ?? (c.pemFile ? readFileSync(c.pemFile, "utf8") : undefined);
      if (c.generate) {
        const made = createClientCertificateSync(`${slug(a.displayName)}-${i}`, certDir);
        this.generatedCertificates.push({ tenantId: tenant.id, appId, ...made });
        pem = made.certPem;
      }
      if (!pem) throw new Error(`app ${a.displayName}: certificate ${i} has neither pem, pemFile nor generate`);
      const x = new X509Certificate(pem);
      return {
        keyId: c.keyId ?? randomUUID(),
        displayName: c.displayName ?? x.subject.replace(/\n/g, ", "),
        endDateTime: c.endDateTime ? new Date(c.endDateTime) : new Date(x.validTo),
        publicKeyPem: x.publicKey.export({ type: "spki", format: "pem" }).toString(),
        ...certificateThumbprints(pem),
      };
    });
    return {
      appId,
      tenantId: tenant.id,
      displayName: a.displayName,
      secrets: (a.secrets ?? []).map((s) => ({
        keyId: s.keyId ?? randomUUID(),
        value: s.value,
        displayName: s.displayName ?? null,
        endDateTime: s.endDateTime ? new Date(s.endDateTime) : null,
      })),
      certificates,
      redirectUris: a.redirectUris ?? [],
      publicClient: a.publicClient ?? false,
      appRoles: a.appRoles ?? [],
      delegatedScopes: a.delegatedScopes ?? [],
      siteGrants: (a.siteGrants ?? []).map((g) => ({ site: g.site, roles: [...g.roles] })),
    };
  }

  /** By tenant id, name (`contoso`) or domain (`contoso.onmicrosoft.com`), case-insensitive. */
  findTenant(idOrName: string): DirectoryTenant | undefined {
    const k = idOrName.toLowerCase();
    return this.tenants.find((t) => t.id === k || t.name.toLowerCase() === k || t.domain === k);
  }

  findApp(tenantId: string, appId: string): DirectoryApp | undefined {
    return this.findTenant(tenantId)?.apps.find((a) => a.appId === appId.toLowerCase());
  }

  /** By object id or userPrincipalName/mail, case-insensitive. */
  findUser(tenantId: string, idOrUpn: string): DirectoryUser | undefined {
    const k = idOrUpn.toLowerCase();
    return this.findTenant(tenantId)?.users.find(
      (u) => u.id === k || u.userPrincipalName.toLowerCase() === k || u.mail.toLowerCase() === k,
    );
  }

  /** The tenant holding a user with that UPN or mail, for `/common` and `/organizations`. */
  findUserAnyTenant(upn: string): DirectoryUser | undefined {
    for (const t of this.tenants) {
      const u = this.findUser(t.id, upn);
      if (u) return u;
    }
    return undefined;
  }

  /**
   * `search` is Graph's `$search` term without quotes: `displayName:ali`, `mail:bob`, or a bare
   * word (matches any of displayName, givenName, surname, mail, userPrincipalName). Like Graph's
   * tokenised search it matches a prefix of any word. `startsWith` is `$filter=startswith(p,'v')`:
   * a string (property `displayName`) or `{property, value}`. Results are ordered by displayName.
   */
  searchUsers(tenantId: string, q: SearchQuery): DirectoryUser[] {
    const users = this.findTenant(tenantId)?.users ?? [];
    return sortByName(users.filter((u) => matches(u as unknown as Record<string, unknown>, q, USER_SEARCH_PROPS)));
  }

  findGroup(tenantId: string, idOrName: string): DirectoryGroup | undefined {
    const k = idOrName.toLowerCase();
    return this.findTenant(tenantId)?.groups.find(
      (g) =>
        g.id === k ||
        g.displayName.toLowerCase() === k ||
        g.mailNickname.toLowerCase() === k ||
        g.mail?.toLowerCase() === k,
    );
  }

  /** As {@link searchUsers}, over displayName, description, mail and mailNickname. */
  searchGroups(tenantId: string, q: SearchQuery): DirectoryGroup[] {
    const groups = this.findTenant(tenantId)?.groups ?? [];
    return sortByName(groups.filter((g) => matches(g as unknown as Record<string, unknown>, q, GROUP_SEARCH_PROPS)));
  }

  /**
   * Adds or replaces an app's Sites.Selected grant on a site (what Graph's
   * `POST /sites/{id}/permissions` does); empty `roles` removes it. False for an unknown app.
   */
  setSiteGrant(tenantId: string, appId: string, site: string, roles: SiteGrant["roles"]): boolean {
    const app = this.findApp(tenantId, appId);
    if (!app) return false;
    app.siteGrants = app.siteGrants.filter((g) => g.site.toLowerCase() !== site.toLowerCase());
    if (roles.length) app.siteGrants.push({ site, roles: [...roles] });
    return true;
  }
}

export type SearchQuery = { search?: string; startsWith?: string | { property: string; value: string } };

const USER_SEARCH_PROPS = ["displayName", "givenName", "surname", "mail", "userPrincipalName"];
const GROUP_SEARCH_PROPS = ["displayName", "description", "mail", "mailNickname"];

function matches(obj: Record<string, unknown>, q: SearchQuery, searchProps: string[]): boolean {
  if (q.search !== undefined) {
    const raw = q.search.replace(/^"|"$/g, "").trim();
    const colon = raw.indexOf(":");
    const props = colon > 0 ? [raw.slice(0, colon)] : searchProps;
    const term = (colon > 0 ? raw.slice(colon + 1) : raw).trim().toLowerCase();
    const hit = props.some((p) => {
      const v = propValue(obj, p);
      return v !== undefined && (v.startsWith(term) || v.split(/[\s.@_-]+/).some((w) => w.startsWith(term)));
    });
    if (!hit) return false;
  }
  if (q.startsWith !== undefined) {
    const { property, value } =
      typeof q.startsWith === "string" ? { property: "displayName", value: q.startsWith } : q.startsWith;
    const v = propValue(obj, property);
    if (v === undefined || !v.startsWith(value.toLowerCase())) return false;
  }
  return true;
}

function propValue(obj: Record<string, unknown>, prop: string): string | undefined {
  const key = Object.keys(obj).find((k) => k.toLowerCase() === prop.toLowerCase() && k !== "password");
  const v = key ? obj[key] : undefined;
  return typeof v === "string" ? v.toLowerCase() : undefined;
}

function sortByName<T extends { displayName: string }>(xs: T[]): T[] {
  return [...xs].sort((a, b) => a.displayName.localeCompare(b.displayName));
}

function slug(s: string): string {
  return (
    s
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-|-$/g, "") || "app"
  );
}

function toUser(u: UserFixture, tenant: DirectoryTenant): DirectoryUser {
  const nick = (u.givenName ?? u.displayName.split(/\s+/)[0]).toLowerCase().replace(/[^a-z0-9.]/g, "");
  const upn = u.userPrincipalName ?? `${nick}@${tenant.domain}`;
  return {
    id: (u.id ?? randomUUID()).toLowerCase(),
    tenantId: tenant.id,
    userPrincipalName: upn,
    displayName: u.displayName,
    givenName: u.givenName ?? null,
    surname: u.surname ?? null,
    mail: u.mail ?? upn,
    jobTitle: u.jobTitle ?? null,
    accountEnabled: u.accountEnabled ?? true,
    password: u.password,
  };
}

function toGroupShell(g: GroupFixture, tenant: DirectoryTenant): DirectoryGroup {
  const nick = g.mailNickname ?? g.displayName.replace(/[^A-Za-z0-9]/g, "");
  const unified = g.groupTypes ?? ["Unified"];
  return {
    id: (g.id ?? randomUUID()).toLowerCase(),
    tenantId: tenant.id,
    displayName: g.displayName,
    description: g.description ?? null,
    mail: g.mail ?? (unified.includes("Unified") ? `${nick}@${tenant.domain}` : null),
    mailNickname: nick,
    groupTypes: unified,
    securityEnabled: g.securityEnabled ?? !unified.includes("Unified"),
    mailEnabled: g.mailEnabled ?? unified.includes("Unified"),
    memberIds: [],
  };
}
