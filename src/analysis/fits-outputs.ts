/**
 * The analysis's FITS products: 2-D maps (moments) that keep the cube's sky coordinates
 * and beam, and position-velocity slices (offset along the cut x frequency).
 */
import type { FitsHeader, FitsValue } from "../fits/header.js";
import { createPlaneWriter, type CardInput } from "../fits/writer.js";

/** Keywords of a cube's header that a 2-D map of the same sky keeps, axes 1 and 2 only. */
const SKY_KEYWORDS = /^(CTYPE[12]|CRVAL[12]|CDELT[12]|CRPIX[12]|CUNIT[12]|PC0?[12]_0?[12]|CD0?[12]_0?[12]|PV2_[0-9]+|LONPOLE|LATPOLE|RADESYS|EQUINOX|BMAJ|BMIN|BPA|OBJECT|TELESCOP|DATE-OBS|OBSRA|OBSDEC)$/;

function copyable(value: FitsValue): value is Exclude<FitsValue, null> {
  return value !== null && typeof value !== "object";
}

export function skyCards(header: FitsHeader): CardInput[] {
  const cards: CardInput[] = [];
  for (const [keyword, value] of header.values) {
    if (!SKY_KEYWORDS.test(keyword) || !copyable(value)) continue;
    cards.push({ keyword, value: typeof value === "string" ? value.trim() : value });
  }
  return cards;
}

export async function writeMap(path: string, header: FitsHeader, width: number, height: number, data: Float32Array, extra: readonly CardInput[]): Promise<number> {
  const writer = await createPlaneWriter(path, { axes: [width, height], bitpix: -32, cards: [...skyCards(header), ...extra] });
  try {
    await writer.writePlane(data);
  } catch (caught) {
    await writer.abort();
    throw caught;
  }
  return (await writer.close()).bytes;
}

export interface PvAxes {
  readonly samples: number;
  readonly channels: number;
  /** Offset step along the cut, arcsec, and the sample at offset 0 (0-based). */
  readonly offsetStep: number;
  readonly centreSample: number;
  /** Frequency of the first channel and the step, Hz. */
  readonly frequency0: number;
  readonly frequencyStep: number;
}

export async function writePv(path: string, header: FitsHeader, axes: PvAxes, data: Float32Array, extra: readonly CardInput[]): Promise<number> {
  const keep = (k: string): CardInput[] => {
    const v = header.values.get(k);
    return v !== undefined && copyable(v) ? [{ keyword: k, value: typeof v === "string" ? v.trim() : v }] : [];
  };
  const cards: CardInput[] = [
    { keyword: "CTYPE1", value: "OFFSET" },
    { keyword: "CUNIT1", value: "arcsec" },
    { keyword: "CRPIX1", value: axes.centreSample + 1 },
    { keyword: "CRVAL1", value: 0 },
    { keyword: "CDELT1", value: axes.offsetStep },
    { keyword: "CTYPE2", value: "FREQ" },
    { keyword: "CUNIT2", value: "Hz" },
    { keyword: "CRPIX2", value: 1 },
    { keyword: "CRVAL2", value: axes.frequency0 },
    { keyword: "CDELT2", value: axes.frequencyStep },
    ...["RESTFRQ", "SPECSYS", "BUNIT", "BMAJ", "BMIN", "BPA", "OBJECT"].flatMap(keep),
    ...extra,
  ];
  const writer = await createPlaneWriter(path, { axes: [axes.samples, axes.channels], bitpix: -32, cards });
  try {
    await writer.writePlane(data);
  } catch (caught) {
    await writer.abort();
    throw caught;
  }
  return (await writer.close()).bytes;
}
