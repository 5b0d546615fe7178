/**
 * Cut-outs in the manner of IVOA SODA 1.0: a circle on the sky (`CIRCLE=ra dec radius`,
 * degrees, ICRS) and a band (`BAND=lo hi`, vacuum wavelengths in metres, either end may be
 * open: `-Inf`, `+Inf`) select a box of pixels of a FITS image; the box is written as a
 * new FITS image whose WCS is the original's with CRPIX shifted, so that every pixel keeps
 * its sky position and frequency.
 *
 * Parsing and planning are pure; {@link writeCutout} reads the product plane by plane and
 * writes to any sink (a file, an HTTP response), one plane in memory at a time.
 */
import { ErrorCode, ReimageError } from "../domain/errors.js";
import { readFitsInfo, readPlane, readPlanes, imageLayout, type FitsHduInfo } from "../fits/reader.js";
import { imageHdu } from "../products/preview/previews-of-file.js";
import { writePlanesTo, type ByteSink, type CardInput } from "../fits/writer.js";
import { convertFrame, fromFrequency, pixelToWorld, spectralFrequency, SPEED_OF_LIGHT, wcsFromHeader, worldToPixel, type Wcs } from "../fits/wcs/index.js";

export interface CutoutRequest {
  readonly circle?: { readonly ra: number; readonly dec: number; readonly radius: number };
  /** Wavelengths, metres; infinite ends are open. */
  readonly band?: { readonly lo: number; readonly hi: number };
}

/** A SODA parameter error: the service answers 400 with this message (`UsageFault: ...`). */
function usage(message: string): ReimageError {
  return new ReimageError(ErrorCode.BadInput, `UsageFault: ${message}`);
}

function numbers(text: string, count: number, name: string, form: string): number[] {
  const parts = text.trim().split(/\s+/);
  const values = parts.map((p) => (/^[+-]?inf(inity)?$/i.test(p) ? (p.startsWith("-") ? -Infinity : Infinity) : Number(p)));
  if (parts.length !== count || values.some((v) => Number.isNaN(v)) || text.trim() === "") {
    throw usage(`${name}=${JSON.stringify(text)} is not ${form}`);
  }
  return values;
}

/**
 * The cut-out asked for by SODA parameters. Each may be given once; `POS=CIRCLE ...` is
 * accepted as well as `CIRCLE=...`. Unknown parameters are refused, so a typo is not
 * silently a whole-image download.
 */
export function parseSodaParameters(params: URLSearchParams): CutoutRequest {
  const known = new Set(["CIRCLE", "POS", "BAND", "RESPONSEFORMAT"]);
  for (const key of new Set(params.keys())) {
    if (!known.has(key.toUpperCase())) throw usage(`parameter ${key} is not one this service knows (CIRCLE, POS, BAND)`);
  }
  const single = (name: string): string | undefined => {
    const all = [...params.entries()].filter(([k]) => k.toUpperCase() === name).map(([, v]) => v);
    if (all.length > 1) throw usage(`${name} is given ${all.length} times; give it once`);
    return all[0];
  };
  const format = single("RESPONSEFORMAT");
  if (format !== undefined && !["application/fits", "image/fits", "fits"].includes(format.toLowerCase())) {
    throw usage(`RESPONSEFORMAT=${format}: cut-outs are FITS only (application/fits)`);
  }
  let circleText = single("CIRCLE");
  const pos = single("POS");
  if (pos !== undefined) {
    if (circleText !== undefined) throw usage("give CIRCLE or POS, not both");
    const m = /^\s*CIRCLE\s+(.*)$/i.exec(pos);
    if (!m) throw usage(`POS=${JSON.stringify(pos)}: only POS=CIRCLE ra dec radius is supported`);
    circleText = m[1];
  }
  let circle: CutoutRequest["circle"];
  if (circleText !== undefined) {
    const [ra, dec, radius] = numbers(circleText, 3, "CIRCLE", "three numbers: ra dec radius, in degrees") as [number, number, number];
    if (!Number.isFinite(ra) || ra < 0 || ra > 360) throw usage(`CIRCLE: right ascension ${ra} is not in [0, 360] degrees`);
    if (!Number.isFinite(dec) || dec < -90 || dec > 90) throw usage(`CIRCLE: declination ${dec} is not in [-90, 90] degrees`);
    if (!Number.isFinite(radius) || radius <= 0 || radius > 180) throw usage(`CIRCLE: radius ${radius} is not in (0, 180] degrees`);
    circle = { ra, dec, radius };
  }
  let band: CutoutRequest["band"];
  const bandText = single("BAND");
  if (bandText !== undefined) {
    const [lo, hi] = numbers(bandText, 2, "BAND", "two wavelengths in metres: lo hi (-Inf and +Inf leave an end open)") as [number, number];
    if (lo > hi) throw usage(`BAND: the lower wavelength ${lo} m is above the upper ${hi} m`);
    if (hi <= 0) throw usage(`BAND: wavelengths are positive metres, got ${lo} ${hi}`);
    band = { lo, hi };
  }
  return { ...(circle && { circle }), ...(band && { band }) };
}

/** Inclusive 0-based pixel ranges along each axis of the image. */
export interface CutoutPlan {
  readonly ranges: readonly { readonly first: number; readonly last: number }[];
}

/** Refusal of a request that selects no pixel of this image (SODA's NoOverlap). */
function noOverlap(message: string): ReimageError {
  return new ReimageError(ErrorCode.BadInput, `NoOverlap: ${message}`);
}

/** Which pixels a request selects, from the image's WCS and axes. */
export function planCutout(wcs: Wcs, axes: readonly number[], request: CutoutRequest): CutoutPlan {
  const ranges = axes.map((n) => ({ first: 0, last: n - 1 }));
  const c = wcs.celestial;
  if (request.circle !== undefined) {
    if (c === undefined || c.frame === undefined) throw usage("the image has no celestial axes in a frame we convert from ICRS");
    const { ra, dec, radius } = request.circle;
    const frame = c.frame;
    // The box holding the circle: its centre and points around its rim, in pixels.
    const points: { x: number; y: number }[] = [];
    const toPixel = (lon: number, lat: number) => {
      const native = convertFrame(lon, lat, "ICRS", frame);
      const world = new Array<number>(wcs.naxis).fill(0);
      for (let i = 0; i < wcs.naxis; i += 1) world[i] = wcs.crval[i] ?? 0;
      world[c.lonAxis] = native.lon;
      world[c.latAxis] = native.lat;
      const p = worldToPixel(wcs, world);
      return { x: p[c.lonAxis] ?? NaN, y: p[c.latAxis] ?? NaN };
    };
    points.push(toPixel(ra, dec));
    const d2r = Math.PI / 180;
    for (let k = 0; k < 72; k += 1) {
      // The point at `radius` from the centre in direction k*5 degrees (spherical destination formula).
      const bearing = k * 5 * d2r;
      const lat = Math.asin(Math.sin(dec * d2r) * Math.cos(radius * d2r) + Math.cos(dec * d2r) * Math.sin(radius * d2r) * Math.cos(bearing));
      const lon = ra * d2r + Math.atan2(Math.sin(bearing) * Math.sin(radius * d2r) * Math.cos(dec * d2r), Math.cos(radius * d2r) - Math.sin(dec * d2r) * Math.sin(lat));
      points.push(toPixel((((lon / d2r) % 360) + 360) % 360, lat / d2r));
    }
    const finite = points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
    if (finite.length < points.length) throw usage("the circle reaches beyond the image's projection; ask for a smaller one");
    for (const [axis, coordinate] of [
      [c.lonAxis, "x"],
      [c.latAxis, "y"],
    ] as const) {
      const n = axes[axis] ?? 1;
      // A pixel is in when any part of it is: its centre lies within half a pixel of the box.
      const lo = Math.max(0, Math.round(Math.min(...finite.map((p) => p[coordinate]))));
      const hi = Math.min(n - 1, Math.round(Math.max(...finite.map((p) => p[coordinate]))));
      if (lo > hi) throw noOverlap(`the circle (${ra} ${dec} ${radius} deg) is outside the image`);
      ranges[axis] = { first: lo, last: hi };
    }
  }
  if (request.band !== undefined) {
    const s = wcs.spectral;
    if (s === undefined) throw usage("the image has no spectral axis to cut a BAND from");
    const n = axes[s.axis] ?? 1;
    const channelOf = (frequency: number): number => {
      const world = new Array<number>(wcs.naxis).fill(0);
      for (let i = 0; i < wcs.naxis; i += 1) world[i] = wcs.crval[i] ?? 0;
      world[s.axis] = fromFrequency(frequency, s.kind, s.restFrequency);
      return worldToPixel(wcs, world)[s.axis] ?? NaN;
    };
    const { lo, hi } = request.band;
    const frequencyAt = (p: number): number => {
      const pixel = new Array<number>(wcs.naxis).fill(0);
      pixel[s.axis] = p;
      return spectralFrequency(wcs, pixelToWorld(wcs, pixel)[s.axis] ?? NaN);
    };
    const rising = frequencyAt(1) > frequencyAt(0);
    // The band's frequency edges in pixel coordinates; an open end reaches past the image.
    const lowEdge = hi === Infinity ? (rising ? -Infinity : Infinity) : channelOf(SPEED_OF_LIGHT / hi);
    const highEdge = lo <= 0 ? (rising ? Infinity : -Infinity) : channelOf(SPEED_OF_LIGHT / lo);
    const pMin = Math.min(lowEdge, highEdge);
    const pMax = Math.max(lowEdge, highEdge);
    // Channel k spans pixels k-0.5..k+0.5 and is in when that overlaps the band.
    const first = Math.max(0, pMin === -Infinity ? 0 : Math.floor(pMin - 0.5) + 1);
    const last = Math.min(n - 1, pMax === Infinity ? n - 1 : Math.ceil(pMax + 0.5) - 1);
    if (first > last) throw noOverlap(`the band ${lo}..${hi} m lies outside the image's ${n} channels`);
    ranges[s.axis] = { first, last };
  }
  return { ranges };
}

const DROPPED = /^(SIMPLE|XTENSION|BITPIX|NAXIS\d*|EXTEND|PCOUNT|GCOUNT|BSCALE|BZERO|BLANK|CHECKSUM|DATASUM|END)$/;
const printable = (s: string): string => s.replace(/[^\x20-\x7e]/g, "?");

/** The cut-out's header cards: the original's, with CRPIX shifted by each axis's first pixel. */
export function cutoutCards(hdu: Pick<FitsHduInfo, "header">, plan: CutoutPlan, note: string): CardInput[] {
  const cards: CardInput[] = [];
  const seen = new Set<string>();
  for (const card of hdu.header.cards) {
    if (DROPPED.test(card.keyword)) continue;
    const m = /^CRPIX(\d+)$/.exec(card.keyword);
    if (m) {
      seen.add(card.keyword);
      const shift = plan.ranges[Number(m[1]) - 1]?.first ?? 0;
      cards.push({ keyword: card.keyword, value: Number(card.value) - shift, ...(card.comment && { comment: printable(card.comment) }) });
      continue;
    }
    if (card.value === undefined) cards.push({ keyword: card.keyword, comment: printable(card.comment) });
    else cards.push({ keyword: card.keyword, value: typeof card.value === "string" ? printable(card.value) : card.value, ...(card.comment && { comment: printable(card.comment) }) });
  }
  // An axis without CRPIX has reference pixel 0 by default (Paper I): its shift must be written.
  plan.ranges.forEach((r, i) => {
    if (!seen.has(`CRPIX${i + 1}`) && r.first !== 0) cards.push({ keyword: `CRPIX${i + 1}`, value: -r.first });
  });
  cards.push({ keyword: "HISTORY", comment: printable(note) });
  return cards;
}

export interface CutoutResult {
  readonly axes: readonly number[];
  readonly bytes: number;
}

/** The image HDU of a product (the first with pixels), its WCS, and the plan for a request. */
export async function prepareCutout(path: string, request: CutoutRequest): Promise<{ hdu: FitsHduInfo; wcs: Wcs; plan: CutoutPlan }> {
  const info = await readFitsInfo(path);
  const hdu = imageHdu(info.hdus, path);
  const wcs = wcsFromHeader(hdu.header.values);
  return { hdu, wcs, plan: planCutout(wcs, hdu.axes, request) };
}

/** Writes the cut-out planned by {@link prepareCutout} to `sink`, one plane at a time. */
export async function writeCutout(
  path: string,
  prepared: { hdu: FitsHduInfo; plan: CutoutPlan },
  sink: ByteSink,
  note: string,
): Promise<CutoutResult> {
  const { hdu, plan } = prepared;
  const layout = imageLayout(hdu);
  const axes = plan.ranges.map((r) => r.last - r.first + 1);
  const writer = await writePlanesTo(sink, { axes, bitpix: layout.precision === "float32" ? -32 : -64, cards: cutoutCards(hdu, plan, note) }, path);
  try {
    const [xr, yr] = plan.ranges as [{ first: number; last: number }, { first: number; last: number }];
    const width = xr.last - xr.first + 1;
    const height = yr.last - yr.first + 1;
    const out = layout.precision === "float32" ? new Float32Array(width * height) : new Float64Array(width * height);
    const wanted = (coords: readonly number[]): boolean =>
      coords.every((c, i) => {
        const r = plan.ranges[i + 2];
        return r === undefined || (c >= r.first && c <= r.last);
      });
    const copy = async (data: Float32Array | Float64Array): Promise<void> => {
      for (let y = 0; y < height; y += 1) {
        const start = (yr.first + y) * layout.width + xr.first;
        out.set(data.subarray(start, start + width), y * width);
      }
      await writer.writePlane(out);
    };
    const seekable = !/\.gz$/i.test(path);
    if (seekable) {
      // Planes in file order of the selected box, each read at its own offset.
      const higher = layout.higherAxes;
      const indices: number[] = [];
      const walk = (axis: number, index: number, stride: number): void => {
        if (axis < 0) {
          indices.push(index);
          return;
        }
        const r = plan.ranges[axis + 2]!;
        const inner = stride / (higher[axis] ?? 1);
        for (let c = r.first; c <= r.last; c += 1) walk(axis - 1, index + c * inner, inner);
      };
      walk(higher.length - 1, 0, layout.planeCount);
      for (const index of indices) await copy((await readPlane(path, index, { hdu: hdu.index })).data);
    } else {
      // A gzip stream cannot seek: read it through once and keep the planes in the box.
      for await (const plane of readPlanes(path, { hdu: hdu.index })) if (wanted(plane.coords)) await copy(plane.data);
    }
    const { bytes } = await writer.close();
    return { axes, bytes };
  } catch (caught) {
    await writer.abort();
    throw caught;
  }
}
