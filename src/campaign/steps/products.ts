/**
 * Step 5: every product the imaging made, checked and recorded: path, kind, size and
 * checksum; every FITS product analysed (`analyzeProduct`: statistics, and the previews and
 * footprints as they join it), the analysis kept as the product's meta. A FITS file that
 * cannot be analysed keeps its error there instead, named and classed, and the step goes on:
 * one damaged file does not hide the others.
 */
import { existsSync } from "node:fs";
import { mkdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { ErrorClass, ProductKind, type ProductRecord } from "../../domain/campaign.js";
import { ReimageError, coerceError } from "../../domain/errors.js";
import { analyzeProduct } from "../../products/analyze.js";
import type { StepRunner } from "../engine.js";
import { failure, input, sha256File } from "./common.js";

const FITS_KINDS: ReadonlySet<ProductKind> = new Set([ProductKind.FitsCube, ProductKind.FitsImage, ProductKind.PrimaryBeam]);

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
    const outDir = join(ctx.mousDir, "products");
    await mkdir(outDir, { recursive: true });
    let analysed = 0;
    const failed: string[] = [];
    for (const [i, record] of records.entries()) {
      if (!FITS_KINDS.has(record.kind) || ctx.signal.aborted) continue;
      try {
        const analysis = await analyzeProduct(record.path, outDir, { signal: ctx.signal });
        records[i] = { ...record, meta: { analysis } };
        analysed += 1;
        ctx.emit(`${record.path}: ${analysis.passes} passes, ${analysis.seconds.toFixed(1)} s`);
      } catch (caught) {
        if (ctx.signal.aborted) break;
        const err = coerceError(caught);
        records[i] = { ...record, meta: { analysisError: { code: err instanceof ReimageError ? err.code : "unknown", message: err.message } } };
        failed.push(record.path);
        ctx.emit(`${record.path}: not analysed: ${err.message}`);
      }
    }
    if (missing.length > 0) {
      return {
        state: "failed",
        failure: failure(ErrorClass.MissingData, `the imaging listed ${missing.length} product(s) that are not on disk`, { line: missing[0] }),
      };
    }
    ctx.emit(`${records.length} products recorded, ${analysed} FITS analysed${failed.length > 0 ? `, ${failed.length} could not be` : ""}`);
    return { state: "succeeded", products: records, outputs: { count: records.length, analysed, notAnalysed: failed } };
  };
}
