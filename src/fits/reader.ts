/**
 * FITS reading: the structure of every HDU, image planes streamed one at a time in file
 * order (memory stays one plane whatever the file size), random access to a plane of an
 * uncompressed file, and binary tables (CASA's per-channel `BEAMS` table above all).
 *
 * Vocabulary: an HDU is a header plus its data; a plane is one 2-D image (NAXIS1 x NAXIS2)
 * at fixed indices of the higher axes (frequency, Stokes), stored contiguously.
 */
import { ErrorCode, ReimageError } from "../domain/index.js";
import { openByteSource, isSeekable, type ByteSource } from "./byte-source.js";
import {
  decodePixels,
  bytesPerPixel,
  isBitpix,
  precisionFor,
  type Bitpix,
  type PixelArray,
  type PixelPrecision,
  type PixelScaling,
} from "./decode.js";
import {
  BLOCK_LENGTH,
  CARD_LENGTH,
  CARDS_PER_BLOCK,
  headerNumber,
  headerString,
  isEndCard,
  parseHeaderCards,
  requiredInteger,
  type FitsHeader,
} from "./header.js";

export type HduKind = "primary" | "image" | "bintable" | "table" | "other";

export interface FitsHduInfo {
  readonly index: number;
  readonly kind: HduKind;
  readonly header: FitsHeader;
  readonly extname: string | undefined;
  readonly bitpix: Bitpix;
  /** NAXIS1, NAXIS2, ... in header order (NAXIS1 varies fastest in the file). */
  readonly axes: readonly number[];
  /** Byte offsets in the (decompressed) stream. */
  readonly headerStart: number;
  readonly dataStart: number;
  /** Data bytes without the padding to 2880: |BITPIX|/8 x GCOUNT x (PCOUNT + NAXIS1 x ... x NAXISn). */
  readonly dataBytes: number;
}

export interface FitsFileInfo {
  readonly path: string;
  readonly compressed: boolean;
  readonly hdus: readonly FitsHduInfo[];
}

export interface ImageLayout {
  readonly width: number;
  readonly height: number;
  readonly planeCount: number;
  readonly planePixels: number;
  /** Sizes of the axes above the second (frequency, Stokes...), the first varying fastest. */
  readonly higherAxes: readonly number[];
  readonly precision: PixelPrecision;
}

export interface FitsPlane {
  /** 0-based plane number in file order. */
  readonly index: number;
  /** 0-based indices along NAXIS3, NAXIS4, ... */
  readonly coords: readonly number[];
  readonly width: number;
  readonly height: number;
  /** Row-major, x fastest: pixel (x, y) is `data[y * width + x]`. */
  readonly data: PixelArray;
}

/** Which HDU: its 0-based index or its EXTNAME. */
export type HduSelector = number | string;

function bad(message: string): ReimageError {
  return new ReimageError(ErrorCode.BadFits, message);
}

function padded(bytes: number): number {
  return Math.ceil(bytes / BLOCK_LENGTH) * BLOCK_LENGTH;
}

const MAX_HEADER_BLOCKS = 10_000;
const ASCII = new TextDecoder("latin1");

/** Reads one header from the current position; `undefined` at a clean end of file. */
async function readHeaderAt(source: ByteSource, index: number): Promise<{ header: FitsHeader; start: number } | undefined> {
  const start = source.position;
  const block = new Uint8Array(BLOCK_LENGTH);
  const cards: string[] = [];
  for (let blocks = 0; ; blocks += 1) {
    const got = await source.readInto(block);
    if (got === 0 && blocks === 0 && index > 0) return undefined;
    if (got < BLOCK_LENGTH) {
      if (index > 0 && blocks === 0 && block.subarray(0, got).every((b) => b === 0)) return undefined;
      throw bad(
        `${source.path}: HDU ${index}: missing END card: the header runs to the end of the file after ${cards.length + Math.floor(got / CARD_LENGTH)} cards (${got} bytes in its last block of 2880)`,
      );
    }
    if (blocks === 0 && index > 0 && block.every((b) => b === 0)) {
      // Zero padding after the last HDU: astropy warns and ignores it, and so do we.
      return undefined;
    }
    const text = ASCII.decode(block);
    for (let c = 0; c < CARDS_PER_BLOCK; c += 1) {
      const card = text.slice(c * CARD_LENGTH, (c + 1) * CARD_LENGTH);
      if (isEndCard(card)) {
        const source_ = { file: source.path, hdu: index };
        const header = parseHeaderCards(cards, source_);
        const first = cards[0]?.slice(0, 8).trimEnd();
        const expected = index === 0 ? "SIMPLE" : "XTENSION";
        if (first !== expected) throw bad(`${source.path}: HDU ${index}: header card 1 is ${JSON.stringify(first)}, expected ${expected}`);
        return { header, start };
      }
      cards.push(card);
    }
    if (blocks + 1 >= MAX_HEADER_BLOCKS) throw bad(`${source.path}: HDU ${index}: no END card in the first ${MAX_HEADER_BLOCKS} header blocks`);
  }
}

function describeHdu(header: FitsHeader, index: number, start: number, dataStart: number, path: string): FitsHduInfo {
  const where = { file: path, hdu: index };
  const bitpixValue = requiredInteger(header, "BITPIX", where);
  if (!isBitpix(bitpixValue)) throw bad(`${path}: HDU ${index}: unsupported BITPIX ${bitpixValue} (FITS allows 8, 16, 32, 64, -32, -64)`);
  const naxis = requiredInteger(header, "NAXIS", where);
  if (naxis < 0 || naxis > 999) throw bad(`${path}: HDU ${index}: NAXIS ${naxis} is out of range 0..999`);
  const axes: number[] = [];
  for (let i = 1; i <= naxis; i += 1) {
    const n = requiredInteger(header, `NAXIS${i}`, where);
    if (n < 0) throw bad(`${path}: HDU ${index}: NAXIS${i} is negative (${n})`);
    axes.push(n);
  }
  const xtension = index === 0 ? undefined : (headerString(header, "XTENSION") ?? "").trim();
  const kind: HduKind =
    xtension === undefined ? "primary" : xtension === "IMAGE" ? "image" : xtension === "BINTABLE" ? "bintable" : xtension === "TABLE" ? "table" : "other";
  const pcount = index === 0 ? 0 : (headerNumber(header, "PCOUNT") ?? 0);
  const gcount = index === 0 ? 1 : (headerNumber(header, "GCOUNT") ?? 1);
  const pixels = naxis === 0 ? 0 : axes.reduce((a, b) => a * b, 1);
  const dataBytes = naxis === 0 && pcount === 0 ? 0 : bytesPerPixel(bitpixValue) * gcount * (pcount + pixels);
  return { index, kind, header, extname: headerString(header, "EXTNAME")?.trim(), bitpix: bitpixValue, axes, headerStart: start, dataStart, dataBytes };
}

function truncated(path: string, hdu: FitsHduInfo, available: number): ReimageError {
  return bad(
    `${path}: HDU ${hdu.index}: truncated data or wrong NAXISn: the header (BITPIX ${hdu.bitpix}, NAXISn ${hdu.axes.join(" x ")}) ` +
      `needs ${hdu.dataBytes} data bytes from byte ${hdu.dataStart}, the file has ${available}`,
  );
}

/**
 * Walks the HDUs of an open source in order. After each yield the walker skips whatever of
 * that HDU's data the consumer did not read, and checks the data is all there.
 */
async function* walkHdus(source: ByteSource): AsyncGenerator<FitsHduInfo, void, undefined> {
  for (let index = 0; ; index += 1) {
    const read = await readHeaderAt(source, index);
    if (read === undefined) return;
    const hdu = describeHdu(read.header, index, read.start, source.position, source.path);
    yield hdu;
    const wanted = hdu.dataStart + padded(hdu.dataBytes) - source.position;
    const passed = await source.skip(wanted);
    if (source.position < hdu.dataStart + hdu.dataBytes) throw truncated(source.path, hdu, source.position - hdu.dataStart);
    // A missing final padding is common in the wild and harmless; astropy reads such files too.
    if (passed < wanted) return;
  }
}

/** Reads every header and checks every HDU's data is present; for gzip this decompresses the whole stream, one buffer at a time. */
export async function readFitsInfo(path: string): Promise<FitsFileInfo> {
  const source = await openByteSource(path);
  try {
    const hdus: FitsHduInfo[] = [];
    for await (const hdu of walkHdus(source)) hdus.push(hdu);
    return { path, compressed: source.compressed, hdus };
  } finally {
    await source.close();
  }
}

function matches(hdu: FitsHduInfo, selector: HduSelector): boolean {
  return typeof selector === "number" ? hdu.index === selector : hdu.extname?.toUpperCase() === selector.toUpperCase();
}

/** Opens `path`, positions it at the data of the selected HDU and hands both to `use`. */
async function withHdu<T>(path: string, selector: HduSelector, use: (source: ByteSource, hdu: FitsHduInfo) => Promise<T>): Promise<T> {
  const source = await openByteSource(path);
  try {
    for await (const hdu of walkHdus(source)) {
      if (matches(hdu, selector)) return await use(source, hdu);
    }
    throw new ReimageError(ErrorCode.BadInput, `${path}: no HDU ${typeof selector === "number" ? selector : `named ${selector}`}`);
  } finally {
    await source.close();
  }
}

/** The plane geometry of an image HDU; an HDU without pixels (NAXIS 0) has no planes. */
export function imageLayout(hdu: FitsHduInfo): ImageLayout {
  if (hdu.kind !== "primary" && hdu.kind !== "image") {
    throw new ReimageError(ErrorCode.BadInput, `HDU ${hdu.index} is a ${hdu.kind}, not an image`);
  }
  const width = hdu.axes[0] ?? 0;
  const height = hdu.axes.length >= 2 ? (hdu.axes[1] ?? 0) : hdu.axes.length === 1 ? 1 : 0;
  const higherAxes = hdu.axes.slice(2);
  const planeCount = hdu.axes.length === 0 ? 0 : higherAxes.reduce((a, b) => a * b, 1);
  return { width, height, planeCount, planePixels: width * height, higherAxes, precision: precisionFor(hdu.bitpix) };
}

export function pixelScaling(hdu: FitsHduInfo, path: string): PixelScaling {
  const number = (keyword: string, fallback: number): number => {
    const value = hdu.header.values.get(keyword);
    if (value === undefined) return fallback;
    if (typeof value === "number") return value;
    if (typeof value === "bigint") return Number(value);
    throw bad(`${path}: HDU ${hdu.index}: ${keyword} is not a number (${JSON.stringify(value)})`);
  };
  const blankValue = hdu.header.values.get("BLANK");
  const blank = typeof blankValue === "number" && Number.isInteger(blankValue) ? BigInt(blankValue) : typeof blankValue === "bigint" ? blankValue : undefined;
  return { bscale: number("BSCALE", 1), bzero: number("BZERO", 0), blank };
}

function planeCoords(index: number, higherAxes: readonly number[]): number[] {
  const coords: number[] = [];
  let rest = index;
  for (const n of higherAxes) {
    coords.push(rest % n);
    rest = Math.floor(rest / n);
  }
  return coords;
}

function newPixels(precision: PixelPrecision, length: number): PixelArray {
  return precision === "float32" ? new Float32Array(length) : new Float64Array(length);
}

export interface PlaneOptions {
  /** The image HDU to read; default the primary. */
  readonly hdu?: HduSelector;
}

/**
 * Streams the planes of an image HDU in file order, one decoded plane at a time: memory is
 * one plane (plus one raw buffer) whatever the file size, gzip included.
 */
export async function* readPlanes(path: string, options: PlaneOptions = {}): AsyncGenerator<FitsPlane, void, undefined> {
  const source = await openByteSource(path);
  try {
    let target: FitsHduInfo | undefined;
    const walker = walkHdus(source);
    for await (const hdu of walker) {
      if (!matches(hdu, options.hdu ?? 0)) continue;
      target = hdu;
      const layout = imageLayout(hdu);
      const scaling = pixelScaling(hdu, path);
      const planeBytes = layout.planePixels * bytesPerPixel(hdu.bitpix);
      const raw = new Uint8Array(planeBytes);
      for (let p = 0; p < layout.planeCount; p += 1) {
        const got = await source.readInto(raw);
        if (got < planeBytes) {
          throw bad(
            `${path}: HDU ${hdu.index}: truncated data: plane ${p} of ${layout.planeCount} needs ${planeBytes} bytes at byte ${hdu.dataStart + p * planeBytes}, ` +
              `the file has ${got}; expected ${hdu.dataBytes} data bytes in all, found ${p * planeBytes + got}`,
          );
        }
        const data = newPixels(layout.precision, layout.planePixels);
        decodePixels(hdu.bitpix, scaling, layout.planePixels, raw, 0, data, 0);
        yield { index: p, coords: planeCoords(p, layout.higherAxes), width: layout.width, height: layout.height, data };
      }
      break;
    }
    if (target === undefined) throw new ReimageError(ErrorCode.BadInput, `${path}: no HDU ${String(options.hdu ?? 0)}`);
  } finally {
    await source.close();
  }
}

/**
 * Reads one plane. Uncompressed files are read at the plane's offset directly; a gzip stream
 * cannot seek, so it is decompressed up to that plane (still one plane in memory).
 */
export async function readPlane(path: string, planeIndex: number, options: PlaneOptions = {}): Promise<FitsPlane> {
  const source = await openByteSource(path);
  let hdu: FitsHduInfo | undefined;
  try {
    if (isSeekable(source)) {
      for await (const candidate of walkHdus(source)) {
        if (matches(candidate, options.hdu ?? 0)) {
          hdu = candidate;
          break;
        }
      }
      if (hdu !== undefined) {
        const layout = imageLayout(hdu);
        if (!Number.isInteger(planeIndex) || planeIndex < 0 || planeIndex >= layout.planeCount) {
          throw new ReimageError(ErrorCode.BadInput, `${path}: plane ${planeIndex} does not exist (the image has ${layout.planeCount})`);
        }
        const planeBytes = layout.planePixels * bytesPerPixel(hdu.bitpix);
        const at = hdu.dataStart + planeIndex * planeBytes;
        const raw = new Uint8Array(planeBytes);
        const got = await source.readAt(raw, at);
        if (got < planeBytes) throw truncated(path, hdu, Math.max(0, source.size - hdu.dataStart));
        const data = newPixels(layout.precision, layout.planePixels);
        decodePixels(hdu.bitpix, pixelScaling(hdu, path), layout.planePixels, raw, 0, data, 0);
        return { index: planeIndex, coords: planeCoords(planeIndex, layout.higherAxes), width: layout.width, height: layout.height, data };
      }
    }
  } finally {
    await source.close();
  }
  if (hdu === undefined && !source.compressed) throw new ReimageError(ErrorCode.BadInput, `${path}: no HDU ${String(options.hdu ?? 0)}`);
  for await (const plane of readPlanes(path, options)) {
    if (plane.index === planeIndex) return plane;
  }
  throw new ReimageError(ErrorCode.BadInput, `${path}: plane ${planeIndex} does not exist`);
}

// ---- binary tables (Standard 7.3) ----

export type TableColumnData =
  | {
      readonly kind: "number";
      readonly repeat: number;
      readonly values: Float64Array;
      /** 64-bit integer columns (K) also as stored, exactly (TSCAL/TZERO not applied): doubles lose digits beyond 2^53 (MOC NUNIQ at deep orders). */
      readonly int64?: BigInt64Array;
    }
  | { readonly kind: "string"; readonly values: readonly string[] }
  | { readonly kind: "logical"; readonly repeat: number; readonly values: readonly (boolean | null)[] }
  | { readonly kind: "unsupported"; readonly reason: string };

export interface TableColumn {
  readonly name: string;
  readonly format: string;
  readonly unit: string | undefined;
  readonly data: TableColumnData;
}

export interface BinaryTable {
  readonly hdu: number;
  readonly extname: string | undefined;
  readonly rows: number;
  readonly columns: readonly TableColumn[];
}

const NUMERIC_WIDTH: Readonly<Record<string, number>> = { B: 1, I: 2, J: 4, K: 8, E: 4, D: 8 };
const OTHER_WIDTH: Readonly<Record<string, number>> = { L: 1, A: 1, C: 8, M: 16, P: 8, Q: 16 };
const MAX_TABLE_BYTES = 256 * 1024 * 1024;

function readNumber(view: DataView, at: number, type: string): number {
  switch (type) {
    case "B":
      return view.getUint8(at);
    case "I":
      return view.getInt16(at, false);
    case "J":
      return view.getInt32(at, false);
    case "K":
      return Number(view.getBigInt64(at, false));
    case "E":
      return view.getFloat32(at, false);
    default:
      return view.getFloat64(at, false);
  }
}

/** Reads a whole binary table (not its heap: variable-length P/Q columns come back as unsupported). */
export async function readBinaryTable(path: string, selector: HduSelector): Promise<BinaryTable> {
  return withHdu(path, selector, async (source, hdu) => {
    if (hdu.kind !== "bintable") throw new ReimageError(ErrorCode.BadInput, `${path}: HDU ${hdu.index} is a ${hdu.kind}, not a BINTABLE`);
    const where = { file: path, hdu: hdu.index };
    const rowBytes = hdu.axes[0] ?? 0;
    const rows = hdu.axes[1] ?? 0;
    const fields = requiredInteger(hdu.header, "TFIELDS", where);
    if (rowBytes * rows > MAX_TABLE_BYTES) throw new ReimageError(ErrorCode.BadInput, `${path}: HDU ${hdu.index}: table of ${rowBytes * rows} bytes is too large to read whole`);
    const bytes = new Uint8Array(rowBytes * rows);
    const got = await source.readInto(bytes);
    if (got < bytes.length) throw truncated(path, hdu, got);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const columns: TableColumn[] = [];
    let offset = 0;
    for (let f = 1; f <= fields; f += 1) {
      const format = (headerString(hdu.header, `TFORM${f}`) ?? "").trim();
      const match = /^(\d*)([LXBIJKAEDCMPQ])/.exec(format);
      if (match === null) throw bad(`${path}: HDU ${hdu.index}: TFORM${f} ${JSON.stringify(format)} is not a binary-table format`);
      const repeat = match[1] === "" || match[1] === undefined ? 1 : Number(match[1]);
      const type = match[2] ?? "";
      const name = (headerString(hdu.header, `TTYPE${f}`) ?? `COL${f}`).trim();
      const unit = headerString(hdu.header, `TUNIT${f}`)?.trim();
      const start = offset;
      const width = type === "X" ? Math.ceil(repeat / 8) : repeat * (NUMERIC_WIDTH[type] ?? OTHER_WIDTH[type] ?? 0);
      offset += type === "P" || type === "Q" ? (OTHER_WIDTH[type] ?? 0) : width;
      let data: TableColumnData;
      const numeric = NUMERIC_WIDTH[type];
      if (numeric !== undefined) {
        const scale = headerNumber(hdu.header, `TSCAL${f}`) ?? 1;
        const zero = headerNumber(hdu.header, `TZERO${f}`) ?? 0;
        const values = new Float64Array(rows * repeat);
        const int64 = type === "K" ? new BigInt64Array(rows * repeat) : undefined;
        for (let r = 0; r < rows; r += 1) {
          for (let k = 0; k < repeat; k += 1) {
            const at = r * rowBytes + start + k * numeric;
            const v = readNumber(view, at, type);
            values[r * repeat + k] = scale === 1 && zero === 0 ? v : v * scale + zero;
            if (int64 !== undefined) int64[r * repeat + k] = view.getBigInt64(at, false);
          }
        }
        data = int64 === undefined ? { kind: "number", repeat, values } : { kind: "number", repeat, values, int64 };
      } else if (type === "A") {
        const values: string[] = [];
        for (let r = 0; r < rows; r += 1) {
          const cell = bytes.subarray(r * rowBytes + start, r * rowBytes + start + repeat);
          const nul = cell.indexOf(0);
          values.push(ASCII.decode(nul < 0 ? cell : cell.subarray(0, nul)).replace(/ +$/, ""));
        }
        data = { kind: "string", values };
      } else if (type === "L") {
        const values: (boolean | null)[] = [];
        for (let r = 0; r < rows * repeat; r += 1) {
          const b = view.getUint8(Math.floor(r / repeat) * rowBytes + start + (r % repeat));
          values.push(b === 0x54 ? true : b === 0x46 ? false : null);
        }
        data = { kind: "logical", repeat, values };
      } else {
        data = { kind: "unsupported", reason: `TFORM ${format} (bit, complex and variable-length columns are not read yet)` };
      }
      columns.push({ name, format, unit, data });
    }
    if (offset !== rowBytes) throw bad(`${path}: HDU ${hdu.index}: the TFORMn add up to ${offset} bytes per row, NAXIS1 says ${rowBytes}`);
    return { hdu: hdu.index, extname: hdu.extname, rows, columns };
  });
}

/** One row of CASA's per-channel restoring-beam table. */
export interface BeamRow {
  readonly bmaj: number;
  readonly bmin: number;
  readonly bpa: number;
  readonly chan: number;
  readonly pol: number;
}

export interface BeamTable {
  /** TUNIT of BMAJ/BMIN (CASA writes arcsec) and BPA (deg), as in the file. */
  readonly units: { readonly bmaj: string | undefined; readonly bmin: string | undefined; readonly bpa: string | undefined };
  readonly rows: readonly BeamRow[];
}

/** The `BEAMS` extension CASA writes for cubes with per-plane beams; `undefined` if the file has none. */
export async function readBeamTable(path: string): Promise<BeamTable | undefined> {
  const info = await readFitsInfo(path);
  if (!info.hdus.some((h) => h.kind === "bintable" && h.extname?.toUpperCase() === "BEAMS")) return undefined;
  const table = await readBinaryTable(path, "BEAMS");
  const column = (name: string): TableColumn => {
    const found = table.columns.find((c) => c.name.toUpperCase() === name);
    if (found === undefined || found.data.kind !== "number") throw bad(`${path}: BEAMS table has no numeric column ${name}`);
    return found;
  };
  const [bmaj, bmin, bpa, chan, pol] = ["BMAJ", "BMIN", "BPA", "CHAN", "POL"].map(column) as [TableColumn, TableColumn, TableColumn, TableColumn, TableColumn];
  const values = (c: TableColumn): Float64Array => (c.data.kind === "number" ? c.data.values : new Float64Array(0));
  const rows: BeamRow[] = [];
  for (let r = 0; r < table.rows; r += 1) {
    rows.push({
      bmaj: values(bmaj)[r] ?? Number.NaN,
      bmin: values(bmin)[r] ?? Number.NaN,
      bpa: values(bpa)[r] ?? Number.NaN,
      chan: values(chan)[r] ?? Number.NaN,
      pol: values(pol)[r] ?? Number.NaN,
    });
  }
  return { units: { bmaj: bmaj.unit, bmin: bmin.unit, bpa: bpa.unit }, rows };
}
