/** Where the package's own files are, wherever it is installed or built. */
import { fileURLToPath } from "node:url";
import { existsSync } from "node:fs";
import { join } from "node:path";

// This file compiles to dist/src/paths.js: the package root is two levels above.
export const packageRoot = fileURLToPath(new URL("../../", import.meta.url));
/** Python scripts reimage runs inside CASA (templates as data, not built by tsc). */
export const casaScriptsDir = join(packageRoot, "casa-scripts");

/**
 * The project's shared folder (real ALMA files, domain notes): beside the checkout, as CI
 * lays it out, or the workplace's /work/shared.
 */
export const sharedDir = existsSync(join(packageRoot, "..", "shared", "real")) ? join(packageRoot, "..", "shared") : "/work/shared";
