/**
 * The footprint as one part of `reimage products`: its consumer joins the shared read of
 * the file, and `finish` gives the footprint, or the reason there is none (no celestial
 * WCS, an unsupported frame) so the other parts' results still stand.
 */
import { basename, join } from "node:path";
import { ReimageError } from "../../domain/index.js";
import type { ImageLayout } from "../../fits/reader.js";
import type { Wcs } from "../../fits/wcs/wcs.js";
import type { PlaneConsumer } from "../plane-pass.js";
import { createFootprintConsumer, DEFAULT_PB_LIMIT, type Footprint } from "./footprint.js";
import { isPrimaryBeamImage } from "./footprint-of-file.js";

export interface FootprintPartInput {
  readonly file: string;
  readonly layout: Pick<ImageLayout, "width" | "height">;
  readonly wcs: Wcs | undefined;
  /** Where the MOC's FITS file goes. */
  readonly outDir: string;
}

/** No footprint, and why. */
export interface NoFootprint {
  readonly problem: string;
}

export interface FootprintPart {
  readonly consumers: readonly PlaneConsumer[];
  finish(): Promise<Footprint | NoFootprint>;
}

/** `<name>.moc.fits` beside the previews, the name without `.fits` or `.fits.gz`. */
export function mocFitsPathFor(outDir: string, fitsPath: string): string {
  return join(outDir, `${basename(fitsPath).replace(/\.fits?(\.gz)?$/i, "")}.moc.fits`);
}

export function footprintPart(input: FootprintPartInput): FootprintPart {
  const wcs = input.wcs;
  if (wcs === undefined) {
    return { consumers: [], finish: () => Promise.resolve({ problem: `${input.file}: no usable WCS, so no footprint on the sky` }) };
  }
  if (wcs.celestial === undefined) {
    return { consumers: [], finish: () => Promise.resolve({ problem: `${input.file}: no celestial axes (CTYPE ${wcs.ctype.join(", ")}), so no footprint on the sky` }) };
  }
  const consumer = createFootprintConsumer({
    width: input.layout.width,
    height: input.layout.height,
    wcs,
    ...(isPrimaryBeamImage(input.file) ? { pbLimit: DEFAULT_PB_LIMIT } : {}),
    mocFitsPath: mocFitsPathFor(input.outDir, input.file),
  });
  return {
    consumers: [consumer],
    async finish(): Promise<Footprint | NoFootprint> {
      try {
        return await consumer.finish();
      } catch (caught) {
        // Only our own typed refusals (frame, projection) become a problem; anything else is a bug or the disk.
        if (caught instanceof ReimageError) return { problem: `${input.file}: ${caught.message}` };
        throw caught;
      }
    },
  };
}
