export * from "./preview.js";
export * from "./previews-of-file.js";
export { ColourMapName } from "./colour-map.js";
