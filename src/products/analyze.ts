/**
 * Every product of one FITS file from one read: the image HDU found, its WCS and beams read,
 * and the planes streamed once per pass through the consumers of every part (statistics,
 * previews, footprint). The result is one JSON-able value, which `reimage products --json`
 * prints and the campaign stores with the product.
 *
 * To add a part: build its consumers from `PartInput` in `analyzeProduct`, list them in
 * `parts`, and put what its `finish` returns under its own key of `ProductAnalysis`.
 */
import { availableParallelism } from "node:os";
import { stat } from "node:fs/promises";
import { ErrorCode, ReimageError, coerceError } from "../domain/index.js";
import { imageLayout, readBeamTable, readFitsInfo, readPlanes, type BeamTable, type FitsHduInfo, type ImageLayout } from "../fits/reader.js";
import type { Wcs } from "../fits/wcs/wcs.js";
import { footprintPart, type NoFootprint } from "./footprint/footprint-part.js";
import type { Footprint } from "./footprint/footprint.js";
import { runPlanePasses, type PlaneConsumer } from "./plane-pass.js";
import { previewConsumers, previewPaths, summarizePreviews, type PreviewSummary } from "./preview/preview.js";
import { imageHdu, wcsOrReason } from "./preview/previews-of-file.js";
import { StatisticsConsumer } from "./statistics/statistics-consumer.js";
import { summarizeStatistics, type ImageStatisticsSummary } from "./statistics/image-summary.js";

/** What every part is built from. */
export interface PartInput {
  readonly file: string;
  readonly hdu: FitsHduInfo;
  readonly layout: ImageLayout;
  readonly wcs: Wcs | undefined;
  readonly beams: BeamTable | undefined;
  /** Where parts write files (previews, MOC). */
  readonly outDir: string;
}

/** One part of the products: consumers for the shared passes, and what it makes of them. */
export interface ProductPart<R> {
  readonly consumers: readonly PlaneConsumer[];
  finish(): R | Promise<R>;
  /** Releases threads or files, whether the passes succeeded or not. */
  close?(): Promise<void>;
}

export interface AnalyzeOptions {
  /** Worker threads for the statistics; default: both cores for images of 16 Mpixel and more, none below. */
  readonly threads?: number;
  readonly signal?: AbortSignal;
}

export interface ProductAnalysis {
  readonly file: string;
  readonly sizeBytes: number;
  readonly compressed: boolean;
  /** The HDU the image came from (0 = primary). */
  readonly hdu: number;
  readonly bitpix: number;
  /** NAXIS1, NAXIS2, ... */
  readonly shape: readonly number[];
  /** Reason the WCS could not be used, if it could not (statistics still are). */
  readonly wcsProblem: string | null;
  /** Passes over the file, and seconds they took. */
  readonly passes: number;
  readonly seconds: number;
  readonly statistics: ImageStatisticsSummary;
  /** The preview figure and thumbnail written to the output folder, and what they show. */
  readonly previews: PreviewSummary;
  /** Where the image has valid pixels on the sky (s_region, polygons, MOC), or why there is no footprint. */
  readonly footprint: Footprint | NoFootprint;
}

const THREADED_FROM_PIXELS = 16 * 1024 * 1024;

function defaultThreads(layout: ImageLayout): number {
  const pixels = layout.planePixels * layout.planeCount;
  return pixels >= THREADED_FROM_PIXELS && layout.planeCount >= 4 ? Math.min(2, availableParallelism()) : 0;
}

function statisticsPart(input: PartInput, threads: number): ProductPart<ImageStatisticsSummary> {
  const consumer = new StatisticsConsumer({ threads });
  return {
    consumers: [consumer],
    finish: () => summarizeStatistics(input, consumer.result()),
    close: () => consumer.close(),
  };
}

function previewPart(input: PartInput): ProductPart<PreviewSummary> {
  const previews = previewConsumers({ file: input.file, hdu: input.hdu, wcs: input.wcs, beams: input.beams, out: previewPaths(input.outDir, input.file) });
  return { consumers: previews.consumers, finish: async () => summarizePreviews(await previews.finish()) };
}

export async function analyzeProduct(path: string, outDir: string, options: AnalyzeOptions = {}): Promise<ProductAnalysis> {
  const started = performance.now();
  const info = await readFitsInfo(path);
  const hdu = imageHdu(info.hdus, path);
  const layout = imageLayout(hdu);
  const { wcs, reason } = wcsOrReason(hdu);
  const beams = await readBeamTable(path);
  const input: PartInput = { file: path, hdu, layout, wcs, beams, outDir };
  const statistics = statisticsPart(input, options.threads ?? defaultThreads(layout));
  const previews = previewPart(input);
  const footprint = footprintPart(input);
  const parts: ProductPart<unknown>[] = [statistics, previews, footprint];
  try {
    const report = await runPlanePasses(
      layout,
      () => readPlanes(path, { hdu: hdu.index }),
      parts.flatMap((p) => p.consumers),
      { maxPasses: 16, ...(options.signal === undefined ? {} : { signal: options.signal }) },
    );
    return {
      file: path,
      sizeBytes: (await stat(path)).size,
      compressed: info.compressed,
      hdu: hdu.index,
      bitpix: hdu.bitpix,
      shape: hdu.axes,
      wcsProblem: reason ?? null,
      passes: report.passes,
      seconds: (performance.now() - started) / 1000,
      statistics: await statistics.finish(),
      previews: await previews.finish(),
      footprint: await footprint.finish(),
    };
  } catch (caught) {
    if (caught instanceof ReimageError) throw caught;
    throw new ReimageError(ErrorCode.BadFits, `${path}: the products could not be computed: ${coerceError(caught).message}`, { cause: caught });
  } finally {
    for (const part of parts) await part.close?.();
  }
}
