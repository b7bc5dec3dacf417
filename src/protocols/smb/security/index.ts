export * from "./security-errors.js";
export * from "./sid-codec.js";
export * from "./well-known-sids.js";
export * from "./access-mask.js";
export * from "./ace-codec.js";
export * from "./acl-codec.js";
export * from "./security-descriptor-codec.js";
