/**
 * Previews of one FITS file on their own: the image HDU found, its WCS and beams read, and
 * the planes streamed through the preview consumers alone. `reimage products` runs the same
 * consumers beside the statistics and footprint ones, in one read.
 */
import { readBeamTable, readFitsInfo, imageLayout, readPlanes, type FitsHduInfo } from "../../fits/reader.js";
import { wcsFromHeader, type Wcs } from "../../fits/wcs/wcs.js";
import { ErrorCode, ReimageError } from "../../domain/index.js";
import { runPlanePasses } from "../plane-pass.js";
import { previewConsumers, previewPaths, type PreviewInput, type PreviewProducts } from "./preview.js";

/** The first HDU with pixels: the primary, or the first IMAGE extension when the primary is empty. */
export function imageHdu(hdus: readonly FitsHduInfo[], path: string): FitsHduInfo {
  const found = hdus.find((h) => (h.kind === "primary" || h.kind === "image") && h.axes.length >= 2 && h.axes.every((n) => n > 0));
  if (found === undefined) throw new ReimageError(ErrorCode.BadInput, `${path}: no image HDU with at least two non-empty axes`);
  return found;
}

/** The WCS of an HDU, or `undefined` with the reason when its header has none we can use (the preview then has pixel axes). */
export function wcsOrReason(hdu: FitsHduInfo): { wcs: Wcs | undefined; reason: string | undefined } {
  try {
    return { wcs: wcsFromHeader(hdu.header.values), reason: undefined };
  } catch (caught) {
    if (caught instanceof ReimageError) return { wcs: undefined, reason: caught.message };
    throw caught;
  }
}

export async function previewsOfFile(path: string, folder: string, options: Pick<PreviewInput, "colourMap" | "thumbnailSize"> = {}): Promise<PreviewProducts> {
  const info = await readFitsInfo(path);
  const hdu = imageHdu(info.hdus, path);
  const { wcs } = wcsOrReason(hdu);
  const beams = await readBeamTable(path);
  const previews = previewConsumers({ file: path, hdu, wcs, beams, out: previewPaths(folder, path), ...options });
  await runPlanePasses(imageLayout(hdu), () => readPlanes(path, { hdu: hdu.index }), previews.consumers);
  return previews.finish();
}
