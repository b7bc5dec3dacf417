/**
 * The directory part of an emulator fixture (JSON or YAML): tenants with their users, groups and
 * app registrations. Field names follow Graph's camelCase. Every id is optional except where a
 * stable value matters to the caller (tenant and app ids are what clients are configured with);
 * missing ids become fresh GUIDs. The README section "Entra ID" documents this shape.
 */
export interface DirectoryFixture {
  tenants: TenantFixture[];
}

export interface TenantFixture {
  /** Tenant id (GUID); `{tenant}` in Entra URLs accepts it, `name`, or `domain`. */
  id?: string;
  /** Short name, e.g. `contoso` (SharePoint host `contoso.sharepoint.com`). */
  name: string;
  /** Initial domain, e.g. `contoso.onmicrosoft.com`; defaults to `<name>.onmicrosoft.com`. */
  domain?: string;
  displayName?: string;
  users?: UserFixture[];
  groups?: GroupFixture[];
  apps?: AppFixture[];
}

export interface UserFixture {
  id?: string;
  /** Sign-in name; defaults to `<mailNickname or first word of displayName>@<domain>`. */
  userPrincipalName?: string;
  displayName: string;
  givenName?: string;
  surname?: string;
  /** Defaults to the userPrincipalName. */
  mail?: string;
  jobTitle?: string;
  /** Password for the consent page sign-in form. Never logged; shown in the emulator's info line. */
  password?: string;
  accountEnabled?: boolean;
}

export interface GroupFixture {
  id?: string;
  displayName: string;
  description?: string;
  mail?: string;
  mailNickname?: string;
  /** `["Unified"]` for a Microsoft 365 group (the default), `[]` for a security group. */
  groupTypes?: string[];
  securityEnabled?: boolean;
  mailEnabled?: boolean;
  /** User ids or userPrincipalNames (or group ids / displayNames for nested groups). */
  members?: string[];
}

/** One Sites.Selected grant: what `POST /sites/{id}/permissions` gives an app on a real tenant. */
export interface SiteGrantFixture {
  /** Site id (`host,guid,guid`), or its web URL (`https://contoso.sharepoint.com/sites/x`). */
  site: string;
  roles: Array<"read" | "write" | "owner" | "fullcontrol">;
}

export interface SecretFixture {
  value: string;
  keyId?: string;
  displayName?: string;
  /** RFC 3339; an expired secret answers AADSTS7000222. */
  endDateTime?: string;
}

/**
 * A certificate credential. Give the public certificate (`pem` or `pemFile`), or `generate: true`
 * to have the emulator make an RSA key pair and self-signed certificate for this run; the files
 * are then listed by {@link Directory.generatedCertificates}.
 */
export interface CertificateFixture {
  pem?: string;
  pemFile?: string;
  generate?: boolean;
  keyId?: string;
  displayName?: string;
  endDateTime?: string;
}

export interface AppFixture {
  /** The client id (GUID). */
  appId?: string;
  displayName: string;
  secrets?: SecretFixture[];
  certificates?: CertificateFixture[];
  /** Exact redirect URIs allowed for the auth code flow; empty allows any `http(s)://localhost`/`127.0.0.1` URI. */
  redirectUris?: string[];
  /** A public client may redeem codes and refresh tokens without a credential. */
  publicClient?: boolean;
  /** Graph application permissions granted with admin consent, e.g. `Sites.Read.All`, `Sites.Selected`. */
  appRoles?: string[];
  /** Graph delegated permissions the app may be consented to; empty or absent allows any. */
  delegatedScopes?: string[];
  /** Per-site grants, effective when `Sites.Selected` is among the app's roles or scopes. */
  siteGrants?: SiteGrantFixture[];
}
