export * from "./float-keys.js";
export * from "./robust.js";
