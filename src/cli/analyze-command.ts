import { resolve } from "node:path";
import type { Command } from "commander";
import type { Config } from "../config.js";
import { DEFAULT_ANALYSIS } from "../analysis/analyse-cube.js";
import { analyseCubeFile } from "../operations/analyse.js";
import { table } from "./tables.js";

function number(name: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isFinite(n)) throw new Error(`--${name} takes a number, got ${JSON.stringify(value)}`);
    return n;
  };
}

interface AnalyzeOptions {
  out: string;
  json?: boolean;
  significance: number;
  minChannels: number;
  baselineOrder: number;
  momentClip: number;
  continuum: "auto" | "subtract" | "keep";
  velocity?: number;
  vmin: number;
  vmax: number;
  catalogue?: string;
  pb?: string;
  identify: boolean;
}

export function registerAnalyzeCommand(program: Command, config: () => Config): void {
  program
    .command("analyze")
    .argument("<cube>", "a FITS cube (3 or 4 axes, with a spectral axis)")
    .description("ADMIT-style analysis of a cube: statistics, spectra, lines found and identified, moments, PV slices, summary page")
    .option("--out <dir>", "where the products go", "analysis")
    .option("--json", "print the summary as JSON")
    .option("--significance <sigma>", "sigma a channel must reach to start a line", number("significance"), DEFAULT_ANALYSIS.lineFinding.significance)
    .option("--min-channels <n>", "consecutive channels at that level a line needs", number("min-channels"), DEFAULT_ANALYSIS.lineFinding.minChannels)
    .option("--baseline-order <n>", "polynomial order of the spectral baseline", number("baseline-order"), DEFAULT_ANALYSIS.lineFinding.baselineOrder)
    .option("--moment-clip <sigma>", "moments count pixels at or above this many times the noise", number("moment-clip"), DEFAULT_ANALYSIS.momentClip)
    .option("--continuum <mode>", "per-pixel continuum before moments: auto, subtract or keep", DEFAULT_ANALYSIS.continuum)
    .option("--velocity <km/s>", "the source's radio velocity, if known", number("velocity"))
    .option("--vmin <km/s>", "lowest source velocity identification considers", number("vmin"), DEFAULT_ANALYSIS.identification.velocityRange[0])
    .option("--vmax <km/s>", "highest source velocity identification considers", number("vmax"), DEFAULT_ANALYSIS.identification.velocityRange[1])
    .option("--catalogue <file>", "Splatalogue SQLite file (default: casadata's in the CASA environment)")
    .option("--pb <file>", "the primary beam of a primary-beam-corrected cube (its .pb.fits), for finding the source in flat noise")
    .option("--no-identify", "skip line identification")
    .action(async (cube: string, opts: AnalyzeOptions) => {
      if (!["auto", "subtract", "keep"].includes(opts.continuum)) throw new Error(`--continuum is auto, subtract or keep, not ${opts.continuum}`);
      const analysis = await analyseCubeFile(config(), {
        cube: resolve(cube),
        outDir: resolve(opts.out),
        catalogue: opts.catalogue,
        identify: opts.identify,
        options: {
          lineFinding: { ...DEFAULT_ANALYSIS.lineFinding, significance: opts.significance, minChannels: opts.minChannels, baselineOrder: opts.baselineOrder },
          identification: { ...DEFAULT_ANALYSIS.identification, velocityRange: [opts.vmin, opts.vmax], velocity: opts.velocity },
          momentClip: opts.momentClip,
          continuum: opts.continuum,
          primaryBeam: opts.pb === undefined ? undefined : resolve(opts.pb),
          onProgress: (line) => process.stderr.write(line + "\n"),
        },
      });
      if (opts.json) {
        process.stdout.write(JSON.stringify(analysis, null, 2) + "\n");
        return;
      }
      const s = analysis.statistics;
      process.stdout.write(`noise ${s.noise.toPrecision(3)} ${analysis.cube.bunit}, peak ${s.peak.toPrecision(3)}, dynamic range ${s.dynamicRange.toPrecision(3)}\n`);
      if (analysis.identification !== undefined) process.stdout.write(`${analysis.identification.note}\n`);
      process.stdout.write(
        table(
          ["line", "GHz", "channels", "FWHM km/s", "S/N", "identified as", "v km/s"],
          analysis.lines.map((l, k) => [
            String(k + 1),
            (l.frequency / 1e9).toFixed(6),
            `${l.channels[0]}-${l.channels[1]}`,
            l.fwhmKms?.toFixed(1) ?? "-",
            l.peakSnr.toFixed(1),
            l.identification === undefined ? "-" : `${l.identification.species} ${l.identification.quantumNumbers}${l.identification.ambiguous ? " (ambiguous)" : ""}`,
            l.identification?.velocityKms.toFixed(1) ?? "-",
          ]),
        ),
      );
      process.stdout.write(`${resolve(opts.out, "index.html")}\n`);
    });
}
