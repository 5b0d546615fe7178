import { basename, resolve } from "node:path";
import type { Command } from "commander";
import { ErrorCode, ReimageError } from "../domain/errors.js";
import { analyzeProduct, type ProductAnalysis } from "../products/analyze.js";
import type { Stat } from "../products/statistics/image-summary.js";
import { table } from "./tables.js";

function threadCount(v: string): number {
  const n = Number(v);
  if (!/^\d+$/.test(v.trim()) || !Number.isSafeInteger(n)) throw new ReimageError(ErrorCode.BadInput, `--threads must be a whole number (0 for none), not "${v}"`);
  return n;
}

function figure(v: Stat | undefined): string {
  if (v === null || v === undefined) return "-";
  return Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(4) : v.toPrecision(5);
}

function printable(a: ProductAnalysis, planes: number): string {
  const s = a.statistics;
  const unit = s.unit ?? "";
  const lines = [
    `${a.file}`,
    `  HDU ${a.hdu}, BITPIX ${a.bitpix}, ${a.shape.join(" x ")}${a.compressed ? ", gzip" : ""}; ${s.role}; ${a.passes} passes, ${a.seconds.toFixed(2)} s`,
    ...(a.wcsProblem !== null ? [`  WCS not used: ${a.wcsProblem}`] : []),
    "problem" in a.footprint
      ? `  footprint: none (${a.footprint.problem})`
      : `  footprint: ${a.footprint.polygons.length} polygon(s), ${a.footprint.polygons.reduce((n, p) => n + p.outer.length, 0)} vertices; MOC order ${a.footprint.moc.order}, ${a.footprint.moc.cells} cells${a.footprint.mocFitsPath === undefined ? "" : ` in ${a.footprint.mocFitsPath}`}`,
    `  preview ${a.previews.figure}`,
    `  thumbnail ${a.previews.thumbnail}`,
    "",
    table(
      ["statistic", "value", "unit"],
      [
        ["valid pixels", `${s.validPixels} of ${s.totalPixels}`, ""],
        ["min", figure(s.min), unit],
        ["max", figure(s.max), unit],
        ["mean", figure(s.mean), unit],
        ["std", figure(s.std), unit],
        ["median", figure(s.median), unit],
        ["MAD", figure(s.mad), unit],
        ["rms (1.4826 MAD)", figure(s.rmsMad), unit],
        [`rms (3-sigma clipped, ${s.clipRounds} rounds)`, figure(s.rmsClipped), unit],
        ["peak", s.peak === null ? "-" : `${figure(s.peak.value)} at pixel (${s.peak.pixel.join(", ")})`, unit],
        ["peak world", s.peak?.world === null || s.peak === null ? "-" : s.peak.world.map((w) => figure(w)).join(", "), ""],
        ["beam", s.beam === null ? "-" : `${figure(s.beam.majorArcsec)}" x ${figure(s.beam.minorArcsec)}" at ${figure(s.beam.positionAngle)} deg`, ""],
        ["fiducial rms", figure(s.fiducialRms), unit],
        ["dynamic range", figure(s.dynamicRange), ""],
      ],
    ),
  ];
  if (s.planes.length > 1 && planes > 0) {
    const shown = s.planes.slice(0, planes);
    lines.push(
      table(
        ["plane", "coords", "valid", "min", "max", "median", "rms MAD", "rms clip", "peak x,y"],
        shown.map((p) => [
          String(p.plane),
          p.coords.join(","),
          String(p.validPixels),
          figure(p.min),
          figure(p.max),
          figure(p.median),
          figure(p.rmsMad),
          figure(p.rmsClipped),
          p.peakPixel === null ? "-" : p.peakPixel.join(","),
        ]),
      ),
    );
    if (s.planes.length > shown.length) lines.push(`(${s.planes.length - shown.length} more planes; --planes N or --json for all)\n`);
  }
  return lines.join("\n");
}

export function registerProductsCommand(program: Command): void {
  program
    .command("products")
    .argument("<file>", "a FITS image or cube (.fits or .fits.gz)")
    .description("statistics (and the other products) of one FITS file, from one streamed read")
    .option("--json", "as JSON")
    .option("--out <dir>", "where files made from it go (default: ./<name>.products, never beside the FITS file, whose folder may be read-only)")
    .option("--threads <n>", "worker threads for the statistics (default: both cores for large cubes)", threadCount)
    .option("--planes <n>", "planes listed in the table (default 20)", threadCount)
    .action(async (file: string, opts: { json?: boolean; out?: string; threads?: number; planes?: number }) => {
      const path = resolve(file);
      const analysis = await analyzeProduct(path, resolve(opts.out ?? `${basename(path).replace(/\.fits(\.gz)?$/i, "")}.products`), opts.threads === undefined ? {} : { threads: opts.threads });
      process.stdout.write(opts.json === true ? JSON.stringify(analysis, null, 2) + "\n" : printable(analysis, opts.planes ?? 20));
    });
}
