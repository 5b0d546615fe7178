/**
 * Step 5: every product the imaging made, checked and recorded: path, kind, size and
 * checksum. (Statistics, previews and footprints of each FITS product come here next.)
 */
import { existsSync } from "node:fs";
import { stat } from "node:fs/promises";
import { ErrorClass, ProductKind, type ProductRecord } from "../../domain/campaign.js";
import type { StepRunner } from "../engine.js";
import { failure, input, sha256File } from "./common.js";

export interface ImageProduct {
  readonly path: string;
  readonly kind: ProductKind;
}

/** A product's kind from ALMA's file names (`.cube.I.pbcor.fits`, `.pb.fits`, `cont.dat`). */
export function productKind(path: string): ProductKind {
  if (/\.pb(\.tt0)?\.fits(\.gz)?$/.test(path)) return ProductKind.PrimaryBeam;
  if (/\.cube\.I\.(pbcor\.)?fits(\.gz)?$/.test(path)) return ProductKind.FitsCube;
  if (/\.fits(\.gz)?$/.test(path)) return ProductKind.FitsImage;
  if (/cont\.dat$/.test(path)) return ProductKind.ContinuumRanges;
  if (/\.py$/.test(path)) return ProductKind.Script;
  if (/\.json$/.test(path)) return ProductKind.Manifest;
  return ProductKind.Other;
}

export function productsStep(): StepRunner {
  return async (ctx) => {
    const paths = input(ctx, "image", "products") as string[];
    const records: ProductRecord[] = [];
    const missing: string[] = [];
    for (const path of paths) {
      if (ctx.signal.aborted) break;
      if (!existsSync(path)) {
        missing.push(path);
        continue;
      }
      const size = (await stat(path)).size;
      records.push({ path, kind: productKind(path), sizeBytes: size, sha256: await sha256File(path) });
    }
    if (missing.length > 0) {
      return {
        state: "failed",
        failure: failure(ErrorClass.MissingData, `the imaging listed ${missing.length} product(s) that are not on disk`, { line: missing[0] }),
      };
    }
    ctx.emit(`${records.length} products recorded`);
    return { state: "succeeded", products: records, outputs: { count: records.length } };
  };
}
