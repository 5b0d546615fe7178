/**
 * The footprint of one FITS file on its own: the image HDU found, its WCS read, and the
 * planes streamed through the footprint consumer alone. `reimage products` runs the same
 * consumer beside the statistics and preview ones, in one read.
 */
import { imageLayout, readFitsInfo, readPlanes } from "../../fits/reader.js";
import { wcsFromHeader } from "../../fits/wcs/wcs.js";
import { runPlanePasses } from "../plane-pass.js";
import { imageHdu } from "../preview/previews-of-file.js";
import { createFootprintConsumer, DEFAULT_PB_LIMIT, type Footprint, type FootprintOptions } from "./footprint.js";

/** Whether a product is a primary-beam image, whose valid pixels are those at or above the beam limit. */
export function isPrimaryBeamImage(path: string): boolean {
  return /\.pb(\.fits(\.gz)?)?$/i.test(path) || /\.pb\.tt0(\.fits(\.gz)?)?$/i.test(path);
}

export async function footprintOfFile(
  path: string,
  options: Omit<FootprintOptions, "width" | "height" | "wcs"> = {},
): Promise<Footprint> {
  const info = await readFitsInfo(path);
  const hdu = imageHdu(info.hdus, path);
  const layout = imageLayout(hdu);
  const pbLimit = options.pbLimit ?? (isPrimaryBeamImage(path) ? DEFAULT_PB_LIMIT : undefined);
  const consumer = createFootprintConsumer({
    ...options,
    ...(pbLimit === undefined ? {} : { pbLimit }),
    width: layout.width,
    height: layout.height,
    wcs: wcsFromHeader(hdu.header.values),
  });
  await runPlanePasses(layout, () => readPlanes(path, { hdu: hdu.index }), [consumer]);
  return consumer.finish();
}
