export * from "./glossary.js";
export * from "./errors.js";
export * from "./delivery.js";
export * from "./campaign.js";
export * from "./runtime.js";
export * from "./ms-metadata.js";
