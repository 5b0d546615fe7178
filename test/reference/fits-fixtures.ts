/**
 * Small FITS files that tests write for themselves: raw integer or float pixels exactly as
 * given (no scaling applied here; BSCALE/BZERO/BLANK are just cards), binary tables, and a
 * digest of pixel values that matches the astropy helper's `sha256`.
 */
import { createHash } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { gzipSync } from "node:zlib";
import { formatHeader, type CardInput } from "../../src/fits/writer.js";
import type { PixelArray } from "../../src/fits/decode.js";

export type RawBitpix = 8 | 16 | 32 | 64 | -32 | -64;

function pad(bytes: Uint8Array): Uint8Array {
  const size = Math.ceil(bytes.length / 2880) * 2880;
  const out = new Uint8Array(size);
  out.set(bytes);
  return out;
}

/** The data bytes of raw pixel values, big-endian, padded to 2880. */
export function rawData(bitpix: RawBitpix, values: readonly (number | bigint)[]): Uint8Array {
  const width = Math.abs(bitpix) / 8;
  const bytes = new Uint8Array(values.length * width);
  const view = new DataView(bytes.buffer);
  values.forEach((v, i) => {
    const n = Number(v);
    switch (bitpix) {
      case 8:
        view.setUint8(i, n);
        break;
      case 16:
        view.setInt16(2 * i, n, false);
        break;
      case 32:
        view.setInt32(4 * i, n, false);
        break;
      case 64:
        view.setBigInt64(8 * i, BigInt(v), false);
        break;
      case -32:
        view.setFloat32(4 * i, n, false);
        break;
      case -64:
        view.setFloat64(8 * i, n, false);
        break;
    }
  });
  return pad(bytes);
}

export function imageCards(bitpix: RawBitpix, axes: readonly number[], extra: readonly CardInput[] = []): CardInput[] {
  return [
    { keyword: "SIMPLE", value: true },
    { keyword: "BITPIX", value: bitpix },
    { keyword: "NAXIS", value: axes.length },
    ...axes.map((n, i) => ({ keyword: `NAXIS${i + 1}`, value: n })),
    ...extra,
  ];
}

/** Concatenates HDUs (header bytes + data bytes) into a file; gzip if asked. */
export async function writeFits(path: string, parts: readonly Uint8Array[], gzip = false): Promise<void> {
  const total = parts.reduce((a, p) => a + p.length, 0);
  const bytes = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    bytes.set(p, at);
    at += p.length;
  }
  await writeFile(path, gzip ? gzipSync(bytes) : bytes);
}

export async function writeImage(
  path: string,
  bitpix: RawBitpix,
  axes: readonly number[],
  values: readonly (number | bigint)[],
  extra: readonly CardInput[] = [],
  gzip = false,
): Promise<void> {
  await writeFits(path, [formatHeader(imageCards(bitpix, axes, extra)), rawData(bitpix, values)], gzip);
}

/** A BEAMS binary table as CASA writes it (BMAJ, BMIN in arcsec, BPA in deg, CHAN, POL). */
export function beamsTable(rows: readonly { bmaj: number; bmin: number; bpa: number; chan: number; pol: number }[]): Uint8Array[] {
  const header = formatHeader([
    { keyword: "XTENSION", value: "BINTABLE" },
    { keyword: "BITPIX", value: 8 },
    { keyword: "NAXIS", value: 2 },
    { keyword: "NAXIS1", value: 20 },
    { keyword: "NAXIS2", value: rows.length },
    { keyword: "PCOUNT", value: 0 },
    { keyword: "GCOUNT", value: 1 },
    { keyword: "TFIELDS", value: 5 },
    { keyword: "TTYPE1", value: "BMAJ" },
    { keyword: "TFORM1", value: "1E" },
    { keyword: "TUNIT1", value: "arcsec" },
    { keyword: "TTYPE2", value: "BMIN" },
    { keyword: "TFORM2", value: "1E" },
    { keyword: "TUNIT2", value: "arcsec" },
    { keyword: "TTYPE3", value: "BPA" },
    { keyword: "TFORM3", value: "1E" },
    { keyword: "TUNIT3", value: "deg" },
    { keyword: "TTYPE4", value: "CHAN" },
    { keyword: "TFORM4", value: "1J" },
    { keyword: "TTYPE5", value: "POL" },
    { keyword: "TFORM5", value: "1J" },
    { keyword: "EXTNAME", value: "BEAMS" },
    { keyword: "EXTVER", value: 1 },
    { keyword: "NCHAN", value: rows.length },
    { keyword: "NPOL", value: 1 },
  ]);
  const data = new Uint8Array(rows.length * 20);
  const view = new DataView(data.buffer);
  rows.forEach((r, i) => {
    view.setFloat32(20 * i, r.bmaj, false);
    view.setFloat32(20 * i + 4, r.bmin, false);
    view.setFloat32(20 * i + 8, r.bpa, false);
    view.setInt32(20 * i + 12, r.chan, false);
    view.setInt32(20 * i + 16, r.pol, false);
  });
  return [header, pad(data)];
}

/**
 * Streams pixel values into the digest the astropy helper prints: float64 little-endian in
 * file order, every NaN as the one canonical bit pattern.
 */
export class PixelDigest {
  private readonly hash = createHash("sha256");
  private readonly scratch = new DataView(new ArrayBuffer(8 * 4096));
  min = Number.POSITIVE_INFINITY;
  max = Number.NEGATIVE_INFINITY;
  sum = 0;
  count = 0;
  nanCount = 0;

  add(values: PixelArray): void {
    for (let start = 0; start < values.length; start += 4096) {
      const n = Math.min(4096, values.length - start);
      for (let i = 0; i < n; i += 1) {
        const v = values[start + i] ?? Number.NaN;
        if (Number.isNaN(v)) {
          this.scratch.setBigUint64(8 * i, 0x7ff8000000000000n, true);
          this.nanCount += 1;
        } else {
          this.scratch.setFloat64(8 * i, v, true);
          if (v < this.min) this.min = v;
          if (v > this.max) this.max = v;
          this.sum += v;
          this.count += 1;
        }
      }
      this.hash.update(new Uint8Array(this.scratch.buffer, 0, 8 * n));
    }
  }

  digest(): string {
    return this.hash.digest("hex");
  }
}
