/**
 * What drives the cost of imaging a MOUS, from its MSs' metadata and its imaging plan: the
 * visibilities tclean grids and the voxels of the cubes it makes. The resource model
 * predicts the image and products steps from these once the plan is known. Pure.
 */
import type { MsMetadata } from "../domain/ms-metadata.js";
import type { ImagingPlan, NothingToImage } from "./plan.js";

export interface ImagingFeatures {
  readonly measurementSets: number;
  /** Cross-correlation rows on the science target, over all MSs. */
  readonly targetRows: number;
  readonly scienceSpws: number;
  /** Channels of the science spws, summed. */
  readonly channels: number;
  /** Target rows x channels, summed over MSs: the visibilities the cubes grid. */
  readonly visibilities: number;
  readonly fields: number;
  /** Pixels of every cube (imsize x imsize x channels of its spw), summed over sources and spws. */
  readonly cubeVoxels: number;
  /** Pixels of the continuum images, one per source. */
  readonly continuumPixels: number;
}

export function imagingFeatures(metadata: readonly MsMetadata[], plan: ImagingPlan | NothingToImage): ImagingFeatures {
  const nchan = new Map<number, number>();
  let rows = 0;
  let visibilities = 0;
  let fields = 0;
  for (const ms of metadata) {
    rows += ms.targetRows;
    fields += ms.fields.length;
    const channels = ms.scienceSpws.reduce((s, spw) => s + spw.nchan, 0);
    visibilities += ms.targetRows * channels;
    for (const spw of ms.scienceSpws) nchan.set(spw.id, Math.max(nchan.get(spw.id) ?? 0, spw.nchan));
  }
  let cubeVoxels = 0;
  let continuumPixels = 0;
  if (plan.kind === "imaging-plan") {
    for (const src of plan.sources) {
      const plane = src.imsize[0] * src.imsize[1];
      continuumPixels += plane;
      for (const spw of src.spws) cubeVoxels += plane * (nchan.get(spw) ?? 0);
    }
  }
  return {
    measurementSets: metadata.length,
    targetRows: rows,
    scienceSpws: nchan.size,
    channels: [...nchan.values()].reduce((s, n) => s + n, 0),
    visibilities,
    fields,
    cubeVoxels,
    continuumPixels,
  };
}
