/**
 * Every image product of a campaign as an IVOA ObsCore 1.1 record: what a TAP service or
 * a VO client needs to find it (where on the sky, which wavelengths, how sharp, where to
 * download it). Column names, units, UCDs and utypes are those of the ObsCore standard's
 * table; the values ALMA's own ObsCore service uses for its columns (facility `JAO`,
 * instrument `ALMA`, `/XX/YY/`-style polarisation lists) are followed where they apply.
 *
 * The coverage comes from the image's own header (WCS, beam, frequency axis), and the
 * region from the product's footprint when the products step has measured one; otherwise
 * it is the image's outline on the sky (its four corners), which is larger than the valid
 * pixels but never smaller.
 *
 * Pure except {@link readImageDescription}, which reads a FITS header.
 */
import { basename } from "node:path";
import { ProductKind } from "../domain/campaign.js";
import { ErrorCode, ReimageError, coerceError } from "../domain/errors.js";
import { precisionFor } from "../fits/decode.js";
import { readFitsInfo, readBeamTable, type FitsHduInfo } from "../fits/reader.js";
import { imageHdu } from "../products/preview/previews-of-file.js";
import { formatStcsPolygons } from "../products/footprint/stc-s.js";
import { angularSeparation, convertFrame, pixelToWorld, spectralFrequency, wcsFromHeader, SPEED_OF_LIGHT, type Wcs } from "../fits/wcs/index.js";
import type { ProductRow } from "../store/store.js";
import { votableChunks, type VOTableCell, type VOTableField } from "./votable.js";

/** What ObsCore needs from an image's header. Angles in degrees, wavelengths in metres. */
export interface ImageDescription {
  readonly width: number;
  readonly height: number;
  readonly channels: number;
  readonly centre: { readonly ra: number; readonly dec: number };
  /** The image's outline, ICRS, corner by corner. */
  readonly corners: readonly { readonly ra: number; readonly dec: number }[];
  /** Diameter of the circle about the centre holding the outline. */
  readonly fovDeg: number;
  /** Beam major axis, arcsec (the largest over planes when beams vary). */
  readonly resolutionArcsec: number | undefined;
  readonly emMinM: number | undefined;
  readonly emMaxM: number | undefined;
  /** λ/Δλ at the middle channel, Δλ one channel. */
  readonly emResPower: number | undefined;
  /** `/I/`, `/XX/YY/`...: the Stokes axis's states; `undefined` without one. */
  readonly polStates: string | undefined;
  /** Start of the observation, MJD (DATE-OBS / MJD-OBS). */
  readonly tMinMjd: number | undefined;
  readonly object: string | undefined;
  /** Pixel bytes of the image as the cut-out service writes it (float32 or float64, uncompressed). */
  readonly pixelBytes: number;
}

const STOKES_NAMES: Readonly<Record<number, string>> = {
  1: "I", 2: "Q", 3: "U", 4: "V", [-1]: "RR", [-2]: "LL", [-3]: "RL", [-4]: "LR", [-5]: "XX", [-6]: "YY", [-7]: "XY", [-8]: "YX",
};

function headerNum(values: ReadonlyMap<string, unknown>, key: string): number | undefined {
  const v = values.get(key);
  return typeof v === "number" && Number.isFinite(v) ? v : undefined;
}

/** MJD of an ISO date-time (`2011-04-16T03:13:50.16`, taken as UTC). */
export function mjdOf(iso: string): number | undefined {
  const t = Date.parse(/[zZ]|[+-]\d\d:\d\d$/.test(iso) ? iso : `${iso}Z`);
  return Number.isFinite(t) ? t / 86_400_000 + 40_587 : undefined;
}

/**
 * The description of an image HDU from its header and axes. `beamMaxArcsec` is the
 * largest per-plane beam when the file has a BEAMS table (cubes whose beam varies).
 */
export function describeImage(hdu: Pick<FitsHduInfo, "header" | "axes" | "bitpix">, source: string, beamMaxArcsec?: number): ImageDescription {
  const values = hdu.header.values;
  let wcs: Wcs;
  try {
    wcs = wcsFromHeader(values);
  } catch (caught) {
    throw new ReimageError(ErrorCode.BadFits, `${source}: no usable WCS`, { cause: coerceError(caught) });
  }
  const c = wcs.celestial;
  if (c === undefined) throw new ReimageError(ErrorCode.BadFits, `${source}: the image has no celestial axes`);
  const axes = hdu.axes;
  const width = axes[c.lonAxis] ?? 1;
  const height = axes[c.latAxis] ?? 1;
  const frame = c.frame;
  if (frame === undefined) throw new ReimageError(ErrorCode.BadFits, `${source}: celestial frame ${c.radesys} is not one we convert to ICRS`);
  const sky = (px: number, py: number) => {
    const pixel = new Array<number>(wcs.naxis).fill(0);
    pixel[c.lonAxis] = px;
    pixel[c.latAxis] = py;
    const w = pixelToWorld(wcs, pixel);
    const icrs = convertFrame(w[c.lonAxis] ?? 0, w[c.latAxis] ?? 0, frame, "ICRS");
    return { ra: icrs.lon, dec: icrs.lat };
  };
  const centre = sky((width - 1) / 2, (height - 1) / 2);
  // Pixel edges: the outline holds whole pixels. Counter-clockwise on the sky (east is left).
  const corners = [sky(-0.5, -0.5), sky(width - 0.5, -0.5), sky(width - 0.5, height - 0.5), sky(-0.5, height - 0.5)];
  const radius = Math.max(...corners.map((p) => angularSeparation(centre.ra, centre.dec, p.ra, p.dec)));

  let channels = 1;
  let emMinM: number | undefined;
  let emMaxM: number | undefined;
  let emResPower: number | undefined;
  if (wcs.spectral !== undefined) {
    const axis = wcs.spectral.axis;
    channels = axes[axis] ?? 1;
    const frequencyAt = (p: number): number => {
      const pixel = new Array<number>(wcs.naxis).fill(0);
      pixel[axis] = p;
      return spectralFrequency(wcs, pixelToWorld(wcs, pixel)[axis] ?? 0);
    };
    const edges = [frequencyAt(-0.5), frequencyAt(channels - 0.5)];
    const fMin = Math.min(...edges);
    const fMax = Math.max(...edges);
    if (fMin > 0) {
      emMinM = SPEED_OF_LIGHT / fMax;
      emMaxM = SPEED_OF_LIGHT / fMin;
      const mid = (channels - 1) / 2;
      const width1 = Math.abs(frequencyAt(mid + 0.5) - frequencyAt(mid - 0.5));
      emResPower = width1 > 0 ? frequencyAt(mid) / width1 : undefined;
    }
  }

  let polStates: string | undefined;
  const stokesAxis = wcs.ctype.findIndex((t) => t.trim() === "STOKES");
  if (stokesAxis >= 0) {
    const names: string[] = [];
    for (let i = 0; i < (axes[stokesAxis] ?? 1); i += 1) {
      const code = (wcs.crval[stokesAxis] ?? 1) + (i + 1 - (wcs.crpix[stokesAxis] ?? 1)) * (wcs.matrix[stokesAxis * wcs.naxis + stokesAxis] ?? 1);
      const name = STOKES_NAMES[Math.round(code)];
      if (name !== undefined) names.push(name);
    }
    polStates = names.length > 0 ? `/${names.join("/")}/` : undefined;
  }

  const bmaj = headerNum(values, "BMAJ");
  const resolutionArcsec = bmaj !== undefined && bmaj > 0 ? bmaj * 3600 : beamMaxArcsec;
  const dateObs = values.get("DATE-OBS");
  const tMinMjd = headerNum(values, "MJD-OBS") ?? (typeof dateObs === "string" ? mjdOf(dateObs.trim()) : undefined);
  const objectValue = values.get("OBJECT");
  const object = typeof objectValue === "string" && objectValue.trim() !== "" ? objectValue.trim() : undefined;
  const pixelBytes = axes.reduce((a, n) => a * n, 1) * (precisionFor(hdu.bitpix) === "float32" ? 4 : 8);
  return { width, height, channels, centre, corners, fovDeg: 2 * radius, resolutionArcsec, emMinM, emMaxM, emResPower, polStates, tMinMjd, object, pixelBytes };
}

/** Reads the primary image's header (and BEAMS table, when there is one) of a FITS product. */
export async function readImageDescription(path: string): Promise<ImageDescription> {
  const info = await readFitsInfo(path);
  const hdu = imageHdu(info.hdus, path);
  let beamMax: number | undefined;
  if (headerNum(hdu.header.values, "BMAJ") === undefined) {
    const beams = await readBeamTable(path);
    // CASA's BEAMS table gives BMAJ in arcsec.
    const majors = beams?.rows.map((r) => r.bmaj).filter((b) => Number.isFinite(b) && b > 0) ?? [];
    if (majors.length > 0) beamMax = Math.max(...majors) * (beams?.units.bmaj?.trim().toLowerCase() === "deg" ? 3600 : 1);
  }
  return describeImage(hdu, path, beamMax);
}

/**
 * The footprint the products step measured, when it did: an STC-S region under one of the
 * names the product's meta may give it.
 */
export function footprintRegion(meta: Readonly<Record<string, unknown>> | undefined): string | undefined {
  if (meta === undefined) return undefined;
  const candidates: unknown[] = [meta["s_region"], meta["sRegion"], meta["stcs"]];
  // The products step keeps analyzeProduct's result whole, footprint inside: { analysis: { footprint: { sRegion } } }.
  const analysis = meta["analysis"];
  const footprint = typeof analysis === "object" && analysis !== null && "footprint" in analysis ? (analysis as Record<string, unknown>)["footprint"] : meta["footprint"];
  if (typeof footprint === "string") candidates.push(footprint);
  else if (typeof footprint === "object" && footprint !== null) {
    const f = footprint as Record<string, unknown>;
    candidates.push(f["stcs"], f["sRegion"], f["s_region"], f["region"]);
  }
  return candidates.find((c): c is string => typeof c === "string" && /^\s*(polygon|circle|union|box|intersection)\b/i.test(c));
}

export interface ObsCoreRecord {
  readonly dataproduct_type: "image" | "cube";
  readonly calib_level: number;
  readonly obs_collection: string;
  readonly obs_id: string;
  readonly obs_publisher_did: string;
  readonly access_url: string;
  readonly access_format: string;
  readonly access_estsize: number;
  readonly target_name: string | null;
  readonly s_ra: number;
  readonly s_dec: number;
  readonly s_fov: number;
  readonly s_region: string;
  readonly s_resolution: number | null;
  readonly s_xel1: number;
  readonly s_xel2: number;
  readonly t_min: number | null;
  readonly t_max: number | null;
  readonly t_exptime: number | null;
  readonly t_resolution: number | null;
  readonly t_xel: number | null;
  readonly em_min: number | null;
  readonly em_max: number | null;
  readonly em_res_power: number | null;
  readonly em_xel: number;
  readonly o_ucd: string;
  readonly pol_states: string | null;
  readonly pol_xel: number | null;
  readonly facility_name: string;
  readonly instrument_name: string;
  readonly proposal_id: string;
  /** Not ObsCore: which MOUS, and what kind of product (reimage's vocabulary). */
  readonly member_ous_uid: string;
  readonly product_kind: string;
}

type Column = VOTableField & { readonly name: keyof ObsCoreRecord };

const char = (name: keyof ObsCoreRecord, ucd: string, utype: string | undefined, description: string): Column => ({
  name,
  datatype: "char",
  arraysize: "*",
  ucd,
  ...(utype === undefined ? {} : { utype }),
  description,
});
const number = (
  name: keyof ObsCoreRecord,
  datatype: "double" | "long" | "int",
  unit: string | undefined,
  ucd: string,
  utype: string | undefined,
  description: string,
): Column => ({ name, datatype, ...(unit === undefined ? {} : { unit }), ucd, ...(utype === undefined ? {} : { utype }), description });

/** ObsCore 1.1's columns (table 6 of the standard), then reimage's own two. */
export const OBSCORE_COLUMNS: readonly Column[] = [
  char("dataproduct_type", "meta.code.class", "obscore:ObsDataset.dataProductType", "Data product (file content) primary type"),
  number("calib_level", "int", undefined, "meta.code;obs.calib", "obscore:ObsDataset.calibLevel", "Calibration level of the observation: in {0, 1, 2, 3, 4}"),
  char("obs_collection", "meta.id", "obscore:DataID.Collection", "Name of the data collection"),
  char("obs_id", "meta.id", "obscore:DataID.observationID", "Observation ID (the ALMA MOUS)"),
  char("obs_publisher_did", "meta.ref.ivoid", "obscore:Curation.PublisherDID", "Dataset identifier given by the publisher"),
  char("access_url", "meta.ref.url", "obscore:Access.Reference", "URL used to access (download) dataset"),
  char("access_format", "meta.code.mime", "obscore:Access.Format", "File content format"),
  number("access_estsize", "long", "kbyte", "phys.size;meta.file", "obscore:Access.Size", "Estimated size of dataset in kilo bytes"),
  char("target_name", "meta.id;src", "obscore:Target.Name", "Astronomical object observed, if any"),
  number("s_ra", "double", "deg", "pos.eq.ra", "obscore:Char.SpatialAxis.Coverage.Location.Coord.Position2D.Value2.C1", "Central right ascension, ICRS"),
  number("s_dec", "double", "deg", "pos.eq.dec", "obscore:Char.SpatialAxis.Coverage.Location.Coord.Position2D.Value2.C2", "Central declination, ICRS"),
  number("s_fov", "double", "deg", "phys.angSize;instr.fov", "obscore:Char.SpatialAxis.Coverage.Bounds.Extent.diameter", "Diameter (bounds) of the covered region"),
  char("s_region", "pos.outline;obs.field", "obscore:Char.SpatialAxis.Coverage.Support.Area", "Sky region covered by the data product (expressed in ICRS frame)"),
  number("s_resolution", "double", "arcsec", "pos.angResolution", "obscore:Char.SpatialAxis.Resolution.Refval.value", "Spatial resolution of data as FWHM (beam major axis)"),
  number("s_xel1", "long", undefined, "meta.number", "obscore:Char.SpatialAxis.numBins1", "Number of elements along the first spatial axis"),
  number("s_xel2", "long", undefined, "meta.number", "obscore:Char.SpatialAxis.numBins2", "Number of elements along the second spatial axis"),
  number("t_min", "double", "d", "time.start;obs.exposure", "obscore:Char.TimeAxis.Coverage.Bounds.Limits.StartTime", "Start time in MJD"),
  number("t_max", "double", "d", "time.end;obs.exposure", "obscore:Char.TimeAxis.Coverage.Bounds.Limits.StopTime", "Stop time in MJD"),
  number("t_exptime", "double", "s", "time.duration;obs.exposure", "obscore:Char.TimeAxis.Coverage.Support.Extent", "Total exposure time"),
  number("t_resolution", "double", "s", "time.resolution", "obscore:Char.TimeAxis.Resolution.Refval.value", "Temporal resolution FWHM"),
  number("t_xel", "long", undefined, "meta.number", "obscore:Char.TimeAxis.numBins", "Number of elements along the time axis"),
  number("em_min", "double", "m", "em.wl;stat.min", "obscore:Char.SpectralAxis.Coverage.Bounds.Limits.LoLimit", "Start in spectral coordinates (vacuum wavelength)"),
  number("em_max", "double", "m", "em.wl;stat.max", "obscore:Char.SpectralAxis.Coverage.Bounds.Limits.HiLimit", "Stop in spectral coordinates (vacuum wavelength)"),
  number("em_res_power", "double", undefined, "spect.resolution", "obscore:Char.SpectralAxis.Resolution.ResolPower.refVal", "Value of the resolving power along the spectral axis (R)"),
  number("em_xel", "long", undefined, "meta.number", "obscore:Char.SpectralAxis.numBins", "Number of elements along the spectral axis"),
  char("o_ucd", "meta.ucd", "obscore:Char.ObservableAxis.ucd", "UCD of observable (e.g. phot.flux.density)"),
  char("pol_states", "meta.code;phys.polarization", "obscore:Char.PolarizationAxis.stateList", "List of polarization states present in the data"),
  number("pol_xel", "long", undefined, "meta.number", "obscore:Char.PolarizationAxis.numBins", "Number of polarization samples"),
  char("facility_name", "meta.id;instr.tel", "obscore:Provenance.ObsConfig.Facility.name", "Name of the facility used for this observation"),
  char("instrument_name", "meta.id;instr", "obscore:Provenance.ObsConfig.Instrument.name", "Name of the instrument used for this observation"),
  char("proposal_id", "meta.id;obs.proposal", "obscore:Provenance.Proposal.identifier", "Identifier of proposal to which observation belongs"),
  char("member_ous_uid", "meta.id", undefined, "The ALMA member observing unit set the product was made from"),
  char("product_kind", "meta.code", undefined, "reimage's kind of product (fits-image, fits-cube)"),
];

/** Kinds of product that are science images, and so ObsCore records. */
export const OBSCORE_KINDS: readonly ProductKind[] = [ProductKind.FitsImage, ProductKind.FitsCube];

export interface PublishContext {
  readonly campaignId: string;
  /** Where the server is reached (`http://127.0.0.1:8080/`), for access URLs. */
  readonly baseUrl: string;
  /** The authority in publisher DIDs (`ivo://<authority>/...`). */
  readonly authority: string;
}

/** A product's id as URLs carry it: only [A-Za-z0-9_-], so no path can be smuggled in. */
export function productUrlId(productId: string): string {
  return Buffer.from(productId, "utf8").toString("base64url");
}

/** The store's product id from its URL form; `undefined` when the text cannot be one. */
export function productIdFromUrl(urlId: string): string | undefined {
  if (!/^[A-Za-z0-9_-]{1,2048}$/.test(urlId)) return undefined;
  const decoded = Buffer.from(urlId, "base64url").toString("utf8");
  return productUrlId(decoded) === urlId ? decoded : undefined;
}

export function obscoreRecord(product: ProductRow, image: ImageDescription, context: PublishContext): ObsCoreRecord {
  const urlId = productUrlId(product.id);
  const base = context.baseUrl.endsWith("/") ? context.baseUrl : `${context.baseUrl}/`;
  return {
    dataproduct_type: product.kind === ProductKind.FitsCube || image.channels > 1 ? "cube" : "image",
    // ALMA's own service lists pipeline images as level 2; re-imaged products are the same kind.
    calib_level: 2,
    obs_collection: `ALMA reimage ${context.campaignId}`,
    obs_id: product.mousUid,
    obs_publisher_did: `ivo://${context.authority}/${encodeURIComponent(context.campaignId)}?${product.mousUid}/${basename(product.path)}`,
    // The cut-out service without parameters: the whole image, as plain FITS even when stored gzipped.
    access_url: `${base}soda/${urlId}`,
    access_format: "application/fits",
    access_estsize: Math.ceil((image.pixelBytes + 2880 * 4) / 1000),
    target_name: product.sourceName ?? image.object ?? null,
    s_ra: image.centre.ra,
    s_dec: image.centre.dec,
    s_fov: image.fovDeg,
    s_region: footprintRegion(product.meta) ?? formatStcsPolygons([{ outer: image.corners.map((p): [number, number] => [p.ra, p.dec]), holes: [] }]),
    s_resolution: image.resolutionArcsec ?? null,
    s_xel1: image.width,
    s_xel2: image.height,
    t_min: image.tMinMjd ?? null,
    t_max: null,
    t_exptime: null,
    t_resolution: null,
    t_xel: null,
    em_min: image.emMinM ?? null,
    em_max: image.emMaxM ?? null,
    em_res_power: image.emResPower ?? null,
    em_xel: image.channels,
    o_ucd: "phot.flux.density",
    pol_states: image.polStates ?? null,
    pol_xel: image.polStates === undefined ? null : image.polStates.split("/").filter((s) => s !== "").length,
    facility_name: "JAO",
    instrument_name: "ALMA",
    proposal_id: product.projectCode,
    member_ous_uid: product.mousUid,
    product_kind: product.kind,
  };
}

const cells = (r: ObsCoreRecord): VOTableCell[] => OBSCORE_COLUMNS.map((c) => r[c.name]);

export function obscoreVotableChunks(records: Iterable<ObsCoreRecord>, campaignId: string): Generator<string, void, undefined> {
  return votableChunks({
    fields: OBSCORE_COLUMNS,
    rows: (function* () {
      for (const r of records) yield cells(r);
    })(),
    tableName: "ivoa.obscore",
    description: `ObsCore records of the products of reimage campaign ${campaignId}`,
    infos: [{ name: "QUERY_STATUS", value: "OK" }],
  });
}

function csvField(value: VOTableCell): string {
  if (value === null || value === undefined) return "";
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** RFC 4180 CSV with a header of column names, as TAP's `FORMAT=csv` answers. */
export function* obscoreCsvChunks(records: Iterable<ObsCoreRecord>): Generator<string, void, undefined> {
  yield `${OBSCORE_COLUMNS.map((c) => c.name).join(",")}\r\n`;
  for (const r of records) yield `${cells(r).map(csvField).join(",")}\r\n`;
}
