/**
 * The FITS serialisation of a space MOC (MOC 2.0 section 4.3.2, NUNIQ ordering): an empty
 * primary HDU, then a binary table of one integer column of NUNIQ values, 32-bit when the
 * MOC's order is at most 13 and 64-bit beyond, with the standard's header cards. The cards
 * of MOC 1.x (PIXTYPE, MOCORDER) are written too, so readers of either version accept it.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { ErrorCode, ReimageError, coerceError } from "../../domain/index.js";
import { headerNumber, headerString } from "../../fits/header.js";
import { readBinaryTable, readFitsInfo } from "../../fits/reader.js";
import { formatHeader, type CardInput } from "../../fits/writer.js";
import { fromUniq } from "../healpix/healpix.js";
import { mocUniq, normalizeMoc, type Moc } from "./moc.js";

const BLOCK = 2880;

function padded(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(Math.ceil(bytes.length / BLOCK) * BLOCK);
  out.set(bytes);
  return out;
}

/** The bytes of the MOC's FITS file. */
export function encodeMocFits(moc: Moc, tool = "reimage"): Uint8Array {
  const uniq = mocUniq(moc);
  const wide = moc.maxOrder > 13;
  const width = wide ? 8 : 4;
  const primary = formatHeader([
    { keyword: "SIMPLE", value: true, comment: "conforms to FITS standard" },
    { keyword: "BITPIX", value: 8 },
    { keyword: "NAXIS", value: 0 },
    { keyword: "EXTEND", value: true },
  ]);
  const cards: CardInput[] = [
    { keyword: "XTENSION", value: "BINTABLE", comment: "binary table extension" },
    { keyword: "BITPIX", value: 8 },
    { keyword: "NAXIS", value: 2 },
    { keyword: "NAXIS1", value: width, comment: "bytes per row" },
    { keyword: "NAXIS2", value: uniq.length, comment: "cells" },
    { keyword: "PCOUNT", value: 0 },
    { keyword: "GCOUNT", value: 1 },
    { keyword: "TFIELDS", value: 1 },
    { keyword: "TTYPE1", value: "UNIQ", comment: "HEALPix NUNIQ: 4 * 4^order + ipix" },
    { keyword: "TFORM1", value: wide ? "1K" : "1J" },
    { keyword: "MOCVERS", value: "2.0", comment: "MOC version" },
    { keyword: "MOCDIM", value: "SPACE", comment: "physical dimension" },
    { keyword: "ORDERING", value: "NUNIQ", comment: "NUNIQ coding method" },
    { keyword: "COORDSYS", value: "C", comment: "space reference frame (C=ICRS)" },
    { keyword: "MOCORD_S", value: moc.maxOrder, comment: "MOC resolution (best order)" },
    { keyword: "PIXTYPE", value: "HEALPIX", comment: "MOC 1.x" },
    { keyword: "MOCORDER", value: moc.maxOrder, comment: "MOC 1.x resolution" },
    { keyword: "MOCTOOL", value: tool },
  ];
  const header = formatHeader(cards);
  const data = new Uint8Array(uniq.length * width);
  const view = new DataView(data.buffer);
  uniq.forEach((value, i) => {
    if (wide) view.setBigInt64(8 * i, value, false);
    else view.setInt32(4 * i, Number(value), false);
  });
  const out = new Uint8Array(primary.length + header.length + padded(data).length);
  out.set(primary, 0);
  out.set(header, primary.length);
  out.set(data, primary.length + header.length);
  return out;
}

/** Writes the MOC's FITS file, its folder made if needed (Node's own error, which names the path, when the disk refuses). */
export async function writeMocFits(path: string, moc: Moc): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, encodeMocFits(moc));
}

/** Reads a space MOC in NUNIQ ordering (MOC 1.x or 2.0) from the first binary table of a FITS file. */
export async function readMocFits(path: string): Promise<Moc> {
  const info = await readFitsInfo(path);
  const hdu = info.hdus.find((h) => h.kind === "bintable");
  if (hdu === undefined) throw new ReimageError(ErrorCode.BadFits, `${path}: no binary table, so no MOC`);
  const ordering = headerString(hdu.header, "ORDERING")?.trim();
  if (ordering !== "NUNIQ") throw new ReimageError(ErrorCode.BadFits, `${path}: MOC ORDERING is ${JSON.stringify(ordering)}; only NUNIQ is read`);
  const dim = headerString(hdu.header, "MOCDIM")?.trim();
  if (dim !== undefined && dim !== "SPACE") throw new ReimageError(ErrorCode.BadFits, `${path}: MOCDIM ${dim} is not a space MOC`);
  const order = headerNumber(hdu.header, "MOCORD_S") ?? headerNumber(hdu.header, "MOCORDER");
  if (order === undefined) throw new ReimageError(ErrorCode.BadFits, `${path}: neither MOCORD_S nor MOCORDER gives the MOC's order`);
  const table = await readBinaryTable(path, hdu.index);
  const column = table.columns[0];
  if (column === undefined || column.data.kind !== "number") throw new ReimageError(ErrorCode.BadFits, `${path}: the MOC table has no integer NUNIQ column`);
  const values = column.data.int64 !== undefined ? [...column.data.int64] : [...column.data.values].map((v) => BigInt(v));
  try {
    return normalizeMoc(order, values.map(fromUniq));
  } catch (caught) {
    throw new ReimageError(ErrorCode.BadFits, `${path}: ${coerceError(caught).message}`, { cause: coerceError(caught) });
  }
}
