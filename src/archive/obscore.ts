/**
 * Holdings lists from the ALMA archive's ObsCore service (`ivoa.obscore`): which MOUSs
 * exist, and what each is like (cycle, bands, arrays, mosaic, spectral set-up, size), so a
 * campaign can be planned over categories of MOUSs before anything is downloaded.
 *
 * Three forms are read, all as the archive or astropy hand them out:
 * - VOTable with TABLEDATA (the TAP service's answer; BINARY, BINARY2 and FITS
 *   serialisations are refused with a clear error for now);
 * - CSV (TAP `FORMAT=csv`, RFC 4180 quoting);
 * - astropy's space-separated ASCII table (`alma-onerow.txt`), fields with spaces quoted.
 *
 * The archive gives several rows per MOUS (one per target, and in some answers one per
 * spectral window); {@link holdingsFromRows} folds them into one holding per MOUS.
 *
 * Parsing is pure; {@link readObsCoreFile} is the one function that reads a file.
 */
import { readFile } from "node:fs/promises";
import { readVOTableRows } from "./votable.js";
import { ErrorCode, ReimageError, coerceError } from "../domain/errors.js";
import { type MousUid, cycleOfProject, parseUid } from "../domain/glossary.js";

export const ObsCoreFormat = { VOTable: "votable", Csv: "csv", Ascii: "ascii" } as const;
export type ObsCoreFormat = (typeof ObsCoreFormat)[keyof typeof ObsCoreFormat];

/** The three kinds of ALMA array, as ObsCore's `antenna_arrays` lets us tell them apart. */
export const AntennaArray = { TwelveM: "12m", SevenM: "7m", TotalPower: "TP" } as const;
export type AntennaArray = (typeof AntennaArray)[keyof typeof AntennaArray];
const ARRAY_ORDER: readonly AntennaArray[] = [AntennaArray.TwelveM, AntennaArray.SevenM, AntennaArray.TotalPower];

/** A raw table: column names and text cells, each row with the line it starts on. */
export interface ObsCoreTable {
  readonly format: ObsCoreFormat;
  readonly columns: readonly string[];
  readonly rows: readonly ObsCoreTableRow[];
}
export interface ObsCoreTableRow {
  /** 1-based line of the file where the row starts (for VOTable, its `<TR>`). */
  readonly line: number;
  readonly cells: readonly string[];
}

/** One spectral window as `frequency_support` describes it. */
export interface SpectralWindow {
  readonly loGHz: number;
  readonly hiGHz: number;
  /** Effective spectral resolution, kHz (ALMA states it after Hanning smoothing). */
  readonly resolutionKHz: number;
  /** Estimated: bandwidth / resolution, rounded. Not the correlator's channel count. */
  readonly channels: number;
}

/** One MOUS as the holdings list describes it, folded from all of its rows. */
export interface MousHolding {
  readonly mous: MousUid;
  readonly projectCode: string;
  /** From the project code; absent for codes outside the known cycles. */
  readonly cycle?: number;
  /** ALMA receiver bands (1-10), sorted, without repeats. */
  readonly bands: readonly number[];
  readonly arrays: readonly AntennaArray[];
  /** Distinct antennas named in `antenna_arrays` (an antenna moved between pads counts once). */
  readonly antennaCount: number;
  /** Absent when the answer has no `is_mosaic` column. */
  readonly isMosaic?: boolean;
  readonly targets: readonly string[];
  /** Distinct spectral windows over all rows. */
  readonly spectralWindows: readonly SpectralWindow[];
  /** The finest `velocity_resolution` over the rows, m/s. */
  readonly velocityResolutionMs?: number;
  /** The finest `spatial_resolution`, arcsec. */
  readonly spatialResolutionArcsec?: number;
  /** The largest `s_fov`, degrees. */
  readonly fieldOfViewDeg?: number;
  /** Wavelength range, metres (`em_min`, `em_max`). */
  readonly emMinM?: number;
  readonly emMaxM?: number;
  /** Seconds: summed over targets, the largest value within one target (see holdingsFromRows). */
  readonly exposureS?: number;
  /** `obs_release_date` as written (ISO). The earliest over the rows. */
  readonly releaseDate?: string;
  /** False if any row says QA2 failed. */
  readonly qa2Passed?: boolean;
  /** From `access_estsize` (kilobytes, per ObsCore), when the answer has it. */
  readonly dataSizeBytes?: number;
  /** Lines of the file the holding was read from. */
  readonly lines: readonly number[];
}

const bad = (message: string, cause?: unknown): ReimageError =>
  new ReimageError(ErrorCode.BadInput, message, cause === undefined ? {} : { cause });

// ---------------------------------------------------------------------------------------
// Tables

/** Which form a text is in: XML is a VOTable; a header line with a comma is CSV; else ASCII. */
export function detectObsCoreFormat(text: string): ObsCoreFormat {
  const start = text.replace(/^\uFEFF/, "").trimStart();
  if (start.startsWith("<")) return ObsCoreFormat.VOTable;
  const firstLine = start.split(/\r?\n/, 1)[0] ?? "";
  return firstLine.includes(",") ? ObsCoreFormat.Csv : ObsCoreFormat.Ascii;
}

/** The raw table of an ObsCore answer; `source` names it in errors. */
export function parseObsCoreTable(text: string, source: string, format: ObsCoreFormat = detectObsCoreFormat(text)): ObsCoreTable {
  const body = text.replace(/^\uFEFF/, "");
  switch (format) {
    case ObsCoreFormat.VOTable:
      return parseVOTable(body, source);
    case ObsCoreFormat.Csv:
      return checkWidths(source, ObsCoreFormat.Csv, parseCsv(body, source));
    case ObsCoreFormat.Ascii:
      return checkWidths(source, ObsCoreFormat.Ascii, parseAscii(body, source));
  }
}

function checkWidths(source: string, format: ObsCoreFormat, records: readonly ObsCoreTableRow[]): ObsCoreTable {
  const [header, ...rows] = records;
  if (header === undefined) throw bad(`${source}: empty file, expected a header line of column names`);
  const columns = header.cells.map(stripBytesRepr);
  const seen = new Set<string>();
  for (const [i, c] of columns.entries()) {
    if (c.length === 0) throw bad(`${source}:${header.line}: column ${i + 1} has an empty name`);
    if (seen.has(c)) throw bad(`${source}:${header.line}: column "${c}" appears twice`);
    seen.add(c);
  }
  for (const r of rows) {
    if (r.cells.length !== columns.length) {
      throw bad(`${source}:${r.line}: ${r.cells.length} fields, but the header (line ${header.line}) names ${columns.length} columns`);
    }
  }
  return { format, columns, rows: rows.map((r) => ({ line: r.line, cells: r.cells.map(stripBytesRepr) })) };
}

/**
 * astropy writes bytes columns as Python's repr (`b'2020-03-03T03:20:58.000'`); the value
 * is what is inside the quotes.
 */
function stripBytesRepr(cell: string): string {
  const m = /^b'(.*)'$/s.exec(cell) ?? /^b"(.*)"$/s.exec(cell);
  return m?.[1] ?? cell;
}

/** RFC 4180: quoted fields may hold commas, doubled quotes and line breaks. */
function parseCsv(text: string, source: string): ObsCoreTableRow[] {
  const records: ObsCoreTableRow[] = [];
  let line = 1;
  let i = 0;
  while (i < text.length) {
    const startLine = line;
    const cells: string[] = [];
    let cell = "";
    let quoted = false;
    let quoteLine = line;
    let endOfRecord = false;
    while (i < text.length && !endOfRecord) {
      const ch = text[i]!;
      if (quoted) {
        if (ch === '"') {
          if (text[i + 1] === '"') {
            cell += '"';
            i += 2;
          } else {
            quoted = false;
            i += 1;
            const next = text[i];
            if (next !== undefined && next !== "," && next !== "\n" && next !== "\r") {
              throw bad(`${source}:${line}: field ${cells.length + 1}: text after a closing quote`);
            }
          }
        } else {
          if (ch === "\n") line += 1;
          cell += ch;
          i += 1;
        }
      } else if (ch === '"' && cell.length === 0) {
        quoted = true;
        quoteLine = line;
        i += 1;
      } else if (ch === ",") {
        cells.push(cell);
        cell = "";
        i += 1;
      } else if (ch === "\n" || ch === "\r") {
        i += ch === "\r" && text[i + 1] === "\n" ? 2 : 1;
        line += 1;
        endOfRecord = true;
      } else {
        cell += ch;
        i += 1;
      }
    }
    if (quoted) throw bad(`${source}:${quoteLine}: field ${cells.length + 1}: a quote opened here is never closed`);
    cells.push(cell);
    // Blank lines (a trailing newline, spacing) are not records.
    if (!(cells.length === 1 && cells[0] === "")) records.push({ line: startLine, cells });
  }
  return records;
}

/**
 * astropy's `ascii.basic`: fields separated by spaces, quoted with `"` when they hold
 * spaces (a doubled quote inside is one quote), `""` for an empty field; `#` starts a
 * comment line. One record per line.
 */
function parseAscii(text: string, source: string): ObsCoreTableRow[] {
  const records: ObsCoreTableRow[] = [];
  for (const [index, raw] of text.split(/\r?\n/).entries()) {
    const line = index + 1;
    if (raw.trim().length === 0 || raw.trimStart().startsWith("#")) continue;
    const cells: string[] = [];
    let i = 0;
    while (i < raw.length) {
      while (raw[i] === " " || raw[i] === "\t") i += 1;
      if (i >= raw.length) break;
      if (raw[i] === '"') {
        const opened = i;
        let cell = "";
        i += 1;
        for (;;) {
          const ch = raw[i];
          if (ch === undefined) throw bad(`${source}:${line}: field ${cells.length + 1}: the quote at character ${opened + 1} is never closed`);
          if (ch === '"') {
            if (raw[i + 1] === '"') {
              cell += '"';
              i += 2;
              continue;
            }
            i += 1;
            break;
          }
          cell += ch;
          i += 1;
        }
        if (i < raw.length && raw[i] !== " " && raw[i] !== "\t") {
          throw bad(`${source}:${line}: field ${cells.length + 1}: text right after a closing quote (character ${i + 1})`);
        }
        cells.push(cell);
      } else {
        let cell = "";
        while (i < raw.length && raw[i] !== " " && raw[i] !== "\t") {
          cell += raw[i]!;
          i += 1;
        }
        cells.push(cell);
      }
    }
    records.push({ line, cells });
  }
  return records;
}

function parseVOTable(xml: string, source: string): ObsCoreTable {
  const { columns, rows } = readVOTableRows(xml, source);
  return { format: ObsCoreFormat.VOTable, columns, rows: rows.map((r) => ({ line: r.line, cells: r.cells.map(stripBytesRepr) })) };
}

// ---------------------------------------------------------------------------------------
// Rows to holdings

/** One row's values, checked and converted; the unit holdingsFromRows folds. */
interface ObsCoreRecord {
  readonly line: number;
  readonly mous: MousUid;
  readonly projectCode: string;
  readonly target?: string;
  readonly bands: readonly number[];
  readonly antennas: ReadonlyMap<string, AntennaArray>;
  readonly isMosaic?: boolean;
  readonly spws: readonly SpectralWindow[];
  readonly velocityResolutionMs?: number;
  readonly spatialResolutionArcsec?: number;
  readonly fovDeg?: number;
  readonly emMinM?: number;
  readonly emMaxM?: number;
  readonly exposureS?: number;
  readonly releaseDate?: string;
  readonly qa2Passed?: boolean;
  readonly sizeBytes?: number;
  readonly accessUrl?: string;
}

/** Values ObsCore writers use for "no value". */
const ABSENT: ReadonlySet<string> = new Set(["", "--", "NaN", "nan", "null", "NULL"]);

/** Reads one row's cells by column name, with errors that name file, line and column. */
class RowReader {
  constructor(
    private readonly source: string,
    private readonly columns: ReadonlyMap<string, number>,
    readonly row: ObsCoreTableRow,
  ) {}

  has(column: string): boolean {
    return this.columns.has(column);
  }

  fail(column: string, what: string): ReimageError {
    const at = this.columns.get(column);
    return bad(`${this.source}:${this.row.line}: column "${column}"${at === undefined ? "" : ` (field ${at + 1})`}: ${what}`);
  }

  text(column: string): string | undefined {
    const at = this.columns.get(column);
    const v = at === undefined ? undefined : this.row.cells[at]?.trim();
    return v === undefined || ABSENT.has(v) ? undefined : v;
  }

  number(column: string, check: (n: number) => boolean = Number.isFinite, expected = "a number"): number | undefined {
    const t = this.text(column);
    if (t === undefined) return undefined;
    const n = Number(t);
    if (!Number.isFinite(n) || !check(n)) throw this.fail(column, `"${t}" is not ${expected}`);
    return n;
  }

  boolean(column: string): boolean | undefined {
    const t = this.text(column);
    if (t === undefined || t === "?") return undefined;
    if (/^(t|true|1|y|yes)$/i.test(t)) return true;
    if (/^(f|false|0|n|no)$/i.test(t)) return false;
    throw this.fail(column, `"${t}" is not a boolean (T or F)`);
  }
}

const positive = (n: number): boolean => n > 0;
const nonNegative = (n: number): boolean => n >= 0;

const UNIT_TO_KHZ: Readonly<Record<string, number>> = { Hz: 1e-3, kHz: 1, MHz: 1e3, GHz: 1e6 };

/**
 * `frequency_support`: spectral windows joined by ` U `, each
 * `[112.35..114.23GHz,1952.95kHz,8mJy/beam@10km/s,360.2uJy/beam@native, XX YY]`:
 * range, effective resolution, then sensitivities and polarisations (not used here).
 */
export function parseFrequencySupport(text: string): SpectralWindow[] | string {
  const spws: SpectralWindow[] = [];
  const parts = text.match(/\[[^\]]*\]/g) ?? [];
  if (parts.length === 0) return `no [range,resolution,...] window in "${text.slice(0, 60)}"`;
  for (const part of parts) {
    const m = /^\[\s*([\d.eE+-]+)\s*\.\.\s*([\d.eE+-]+)\s*(Hz|kHz|MHz|GHz)\s*,\s*([\d.eE+-]+)\s*(Hz|kHz|MHz|GHz)\s*[,\]]/.exec(part);
    if (!m) return `window "${part.slice(0, 60)}" is not [lo..hi<unit>,resolution<unit>,...]`;
    const rangeUnit = UNIT_TO_KHZ[m[3]!]!;
    const loKHz = Number(m[1]) * rangeUnit;
    const hiKHz = Number(m[2]) * rangeUnit;
    const resolutionKHz = Number(m[4]) * UNIT_TO_KHZ[m[5]!]!;
    if (![loKHz, hiKHz, resolutionKHz].every(Number.isFinite) || hiKHz <= loKHz || resolutionKHz <= 0) {
      return `window "${part.slice(0, 60)}" has an empty range or a resolution that is not positive`;
    }
    spws.push({
      loGHz: loKHz / 1e6,
      hiGHz: hiKHz / 1e6,
      resolutionKHz,
      channels: Math.max(1, Math.round((hiKHz - loKHz) / resolutionKHz)),
    });
  }
  return spws;
}

/**
 * `antenna_arrays`: `PAD:ANTENNA` tokens (`A001:DA44`). Which array an antenna worked in,
 * inferred from names: pads `T...` are the total-power pads; CM antennas are the ACA's 7 m
 * dishes; DA, DV and PM are 12 m dishes, and a PM without a pad is a total-power antenna
 * (the four PMs form the TP array).
 */
export function antennaArrayOf(token: string): { antenna: string; array: AntennaArray } | undefined {
  const m = /^(?:([A-Z]+\d+):)?((DA|DV|PM|CM)\d+)$/.exec(token);
  if (!m) return undefined;
  const pad = m[1];
  const kind = m[3];
  if (pad?.startsWith("T")) return { antenna: m[2]!, array: AntennaArray.TotalPower };
  if (kind === "CM") return { antenna: m[2]!, array: AntennaArray.SevenM };
  if (kind === "PM" && pad === undefined) return { antenna: m[2]!, array: AntennaArray.TotalPower };
  return { antenna: m[2]!, array: AntennaArray.TwelveM };
}

const MOUS_COLUMNS = ["member_ous_uid", "member_ous_id"] as const;

function readRecord(r: RowReader): ObsCoreRecord {
  // The MOUS: its own column, or the obs_id, which starts with it (`uid://A001/X1/X2.source.T.spw.25`).
  const mousColumn = MOUS_COLUMNS.find((c) => r.has(c)) ?? "obs_id";
  const mousText = r.text(mousColumn);
  if (mousText === undefined) throw r.fail(mousColumn, "no MOUS uid");
  const parsed = parseUid(mousColumn === "obs_id" ? (/^uid:\/\/[^/]+\/[^/]+\/[^/.]+/.exec(mousText)?.[0] ?? mousText) : mousText);
  if (parsed === undefined) throw r.fail(mousColumn, `"${mousText}" is not a MOUS uid (uid://A001/X.../X...)`);

  const projectCode = r.text("proposal_id");
  if (projectCode === undefined) throw r.fail("proposal_id", "no project code");

  const bandText = r.text("band_list");
  const bands: number[] = [];
  for (const b of bandText?.split(/[\s,]+/).filter((t) => t.length > 0) ?? []) {
    const n = Number(b);
    if (!Number.isInteger(n) || n < 1 || n > 10) throw r.fail("band_list", `"${b}" is not an ALMA band (1-10)`);
    bands.push(n);
  }

  const antennas = new Map<string, AntennaArray>();
  for (const token of r.text("antenna_arrays")?.split(/\s+/).filter((t) => t.length > 0) ?? []) {
    const a = antennaArrayOf(token);
    if (a === undefined) throw r.fail("antenna_arrays", `"${token}" is not PAD:ANTENNA with a DA, DV, PM or CM antenna`);
    antennas.set(a.antenna, a.array);
  }

  const supportText = r.text("frequency_support");
  let spws: SpectralWindow[] = [];
  if (supportText !== undefined) {
    const s = parseFrequencySupport(supportText);
    if (typeof s === "string") throw r.fail("frequency_support", s);
    spws = s;
  }

  const releaseDate = r.text("obs_release_date");
  if (releaseDate !== undefined && !/^\d{4}-\d{2}-\d{2}/.test(releaseDate)) {
    throw r.fail("obs_release_date", `"${releaseDate}" is not an ISO date`);
  }
  // ObsCore's access_estsize is in kilobytes (taken as 1000 bytes).
  const estKB = r.number("access_estsize", nonNegative, "a size in kilobytes");

  const optional = {
    target: r.text("target_name"),
    isMosaic: r.boolean("is_mosaic"),
    velocityResolutionMs: r.number("velocity_resolution", positive, "a positive velocity resolution (m/s)"),
    spatialResolutionArcsec: r.number("spatial_resolution", positive, "a positive resolution (arcsec)"),
    fovDeg: r.number("s_fov", positive, "a positive field of view (degrees)"),
    emMinM: r.number("em_min", positive, "a positive wavelength (m)"),
    emMaxM: r.number("em_max", positive, "a positive wavelength (m)"),
    exposureS: r.number("t_exptime", nonNegative, "an exposure time (s)"),
    releaseDate,
    qa2Passed: r.boolean("qa2_passed"),
    sizeBytes: estKB === undefined ? undefined : estKB * 1000,
    accessUrl: r.text("access_url"),
  };
  return { ...definedOnly(optional), line: r.row.line, mous: parsed.uid, projectCode, bands, antennas, spws };
}

/** exactOptionalPropertyTypes: absent values are left out, never set to undefined. */
function definedOnly<T extends object>(o: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as { [K in keyof T]?: Exclude<T[K], undefined> };
}

const minOf = (values: readonly (number | undefined)[]): number | undefined => {
  const v = values.filter((x): x is number => x !== undefined);
  return v.length === 0 ? undefined : Math.min(...v);
};
const maxOf = (values: readonly (number | undefined)[]): number | undefined => {
  const v = values.filter((x): x is number => x !== undefined);
  return v.length === 0 ? undefined : Math.max(...v);
};

/**
 * One holding per MOUS, in order of first appearance. How rows fold:
 * - project code: must agree (a MOUS belongs to one project), else an error naming both lines;
 * - bands, arrays, antennas, targets, spectral windows: union (per-spw and per-target rows
 *   each carry a part);
 * - mosaic: true if any row says so; QA2: false if any row failed;
 * - resolutions: the finest; field of view: the largest; wavelengths: the full range;
 * - exposure: per target the largest row value (per-spw rows of one target repeat it),
 *   summed over targets (each target was observed for its own time);
 * - data size: per `access_url` the largest value (every row of a MOUS points to the same
 *   download and repeats its size), summed over distinct URLs.
 */
export function holdingsFromRows(table: ObsCoreTable, source: string): MousHolding[] {
  const columns = new Map(table.columns.map((c, i) => [c, i] as const));
  const needed = [MOUS_COLUMNS.some((c) => columns.has(c)) || columns.has("obs_id") ? undefined : "member_ous_uid", columns.has("proposal_id") ? undefined : "proposal_id"];
  const missing = needed.filter((c): c is string => c !== undefined);
  if (missing.length > 0) {
    throw bad(`${source}: the header lacks the column(s) ${missing.join(", ")} (columns: ${table.columns.slice(0, 12).join(", ")}${table.columns.length > 12 ? ", ..." : ""})`);
  }
  const byMous = new Map<MousUid, ObsCoreRecord[]>();
  for (const row of table.rows) {
    const record = readRecord(new RowReader(source, columns, row));
    const list = byMous.get(record.mous) ?? [];
    const first = list[0];
    if (first !== undefined && first.projectCode !== record.projectCode) {
      throw bad(`${source}:${record.line}: column "proposal_id": MOUS ${record.mous} is in project ${record.projectCode} here but in ${first.projectCode} on line ${first.line}`);
    }
    list.push(record);
    byMous.set(record.mous, list);
  }
  return [...byMous.values()].map(fold);
}

function fold(records: readonly ObsCoreRecord[]): MousHolding {
  const first = records[0]!;
  const antennas = new Map<string, AntennaArray>();
  for (const r of records) for (const [a, kind] of r.antennas) antennas.set(a, kind);
  const arrays = ARRAY_ORDER.filter((k) => [...antennas.values()].includes(k));

  const spws = new Map<string, SpectralWindow>();
  for (const r of records) for (const s of r.spws) spws.set(`${s.loGHz}..${s.hiGHz}@${s.resolutionKHz}`, s);

  const exposurePerTarget = new Map<string, number>();
  for (const r of records) {
    if (r.exposureS === undefined) continue;
    const key = r.target ?? "";
    exposurePerTarget.set(key, Math.max(exposurePerTarget.get(key) ?? 0, r.exposureS));
  }
  const sizePerUrl = new Map<string, number>();
  for (const r of records) {
    if (r.sizeBytes === undefined) continue;
    const key = r.accessUrl ?? "";
    sizePerUrl.set(key, Math.max(sizePerUrl.get(key) ?? 0, r.sizeBytes));
  }
  const mosaicFlags = records.map((r) => r.isMosaic).filter((m): m is boolean => m !== undefined);
  const qa2Flags = records.map((r) => r.qa2Passed).filter((m): m is boolean => m !== undefined);
  const dates = records.map((r) => r.releaseDate).filter((d): d is string => d !== undefined).sort();
  const cycle = cycleOfProject(first.projectCode);
  const sum = (m: ReadonlyMap<string, number>): number | undefined => (m.size === 0 ? undefined : [...m.values()].reduce((a, b) => a + b, 0));

  const optional = {
    cycle,
    isMosaic: mosaicFlags.length === 0 ? undefined : mosaicFlags.includes(true),
    velocityResolutionMs: minOf(records.map((r) => r.velocityResolutionMs)),
    spatialResolutionArcsec: minOf(records.map((r) => r.spatialResolutionArcsec)),
    fieldOfViewDeg: maxOf(records.map((r) => r.fovDeg)),
    emMinM: minOf(records.map((r) => r.emMinM)),
    emMaxM: maxOf(records.map((r) => r.emMaxM)),
    exposureS: sum(exposurePerTarget),
    releaseDate: dates[0],
    qa2Passed: qa2Flags.length === 0 ? undefined : !qa2Flags.includes(false),
    dataSizeBytes: sum(sizePerUrl),
  };
  return {
    ...definedOnly(optional),
    mous: first.mous,
    projectCode: first.projectCode,
    bands: [...new Set(records.flatMap((r) => r.bands))].sort((a, b) => a - b),
    arrays,
    antennaCount: antennas.size,
    targets: [...new Set(records.map((r) => r.target).filter((t): t is string => t !== undefined))],
    spectralWindows: [...spws.values()].sort((a, b) => a.loGHz - b.loGHz || a.hiGHz - b.hiGHz || a.resolutionKHz - b.resolutionKHz),
    lines: records.map((r) => r.line),
  };
}

/** Holdings from the text of an ObsCore answer (pure); `source` names it in errors. */
export function parseObsCore(text: string, source: string, format?: ObsCoreFormat): MousHolding[] {
  return holdingsFromRows(parseObsCoreTable(text, source, format), source);
}

/** Holdings from an ObsCore answer saved in a file. */
export async function readObsCoreFile(path: string, format?: ObsCoreFormat): Promise<MousHolding[]> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (caught) {
    throw bad(`${path}: cannot read the holdings list`, coerceError(caught));
  }
  return parseObsCore(text, path, format);
}
