/** The API's resources as the app reads them (see the OpenAPI document at /api/docs). */

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

export interface User {
  id: string;
  email: string;
  name: string;
  is_admin: boolean;
  disabled: boolean;
  has_password: boolean;
  created_at: string;
}

export interface Session {
  user: User;
  csrf_token: string;
  expires_at: string;
}

export interface Group {
  id: string;
  name: string;
  created_at: string;
  member_ids: string[];
}

export interface Token {
  id: string;
  user_id: string;
  name: string;
  created_at: string;
  last_used_at: string | null;
}

export interface Share {
  id: string;
  name: string;
  description: string | null;
  created_by: string;
  created_at: string;
  root_id: string;
}

export interface FileNode {
  id: string;
  share_id: string;
  path: string;
  name: string;
  type: "file" | "folder";
  size: number;
  sha256: string | null;
  current_version_id: string | null;
  owner_id: string | null;
  created_at: string;
  modified_at: string;
}

export interface Version {
  id: string;
  size: number;
  sha256: string;
  author_id: string | null;
  created_at: string;
}

export type Permission = "READ" | "WRITE" | "DELETE" | "MANAGE_PERMISSIONS";

export interface AclView {
  share_id: string;
  path: string;
  node_id: string;
  inherit: boolean;
  aces: { principal_id: string; permissions: Permission[] }[];
  inherited_aces: { principal_id: string; permissions: Permission[]; from_path: string }[];
}
