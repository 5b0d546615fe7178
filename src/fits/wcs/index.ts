export * from "./projections.js";
export * from "./celestial.js";
export * from "./spectral.js";
export * from "./wcs.js";
