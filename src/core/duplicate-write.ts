/**
 * Whether an error is a unique index refusing a write, on either database dialect: a duplicate
 * of the caller's making (answered 409 ALREADY_EXISTS), never a server fault. Core names the
 * store's classification here so the HTTP layer depends on core, not on the store's modules.
 */
export { isUniqueViolation as isDuplicateWrite } from "../store/core/db-executor.js";
