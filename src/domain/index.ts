export * from "./glossary.js";
export * from "./errors.js";
