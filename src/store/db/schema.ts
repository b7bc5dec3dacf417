/**
 * The whole database as Kysely sees it. Each area declares its own tables in its own file and
 * this type joins them, so no area has to edit another's table declarations.
 */
import type { CoreTables } from "./core-tables.js";
import type { SyncTables } from "./sync-tables.js";
import type { SharedStateTables } from "./shared-state-tables.js";

export interface Database extends CoreTables, SyncTables, SharedStateTables {}
