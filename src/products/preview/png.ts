/**
 * PNG files of the previews, written with fast-png (pure JavaScript, zlib by fflate): RGB,
 * 8 bits, with tEXt chunks saying what the picture shows and where it came from.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { decode, encode } from "fast-png";
import { ErrorCode, ReimageError } from "../../domain/index.js";

/** RGBA (alpha ignored: previews are opaque) to PNG bytes. */
export function encodeRgbPng(width: number, height: number, rgba: ArrayLike<number>, text: Readonly<Record<string, string>> = {}): Uint8Array {
  const rgb = new Uint8Array(width * height * 3);
  for (let i = 0, o = 0; o < rgb.length; i += 4, o += 3) {
    rgb[o] = rgba[i] ?? 0;
    rgb[o + 1] = rgba[i + 1] ?? 0;
    rgb[o + 2] = rgba[i + 2] ?? 0;
  }
  return encode({ width, height, data: rgb, channels: 3, depth: 8, text: { ...text } });
}

export async function writePng(path: string, bytes: Uint8Array): Promise<void> {
  try {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, bytes);
  } catch (caught) {
    throw new ReimageError(ErrorCode.BadInput, `${path}: cannot write the preview PNG`, { cause: caught });
  }
}

export interface RgbImage {
  readonly width: number;
  readonly height: number;
  /** 3 bytes a pixel, rows from the top. */
  readonly rgb: Uint8Array;
  readonly text: Readonly<Record<string, string>>;
}

/** Decodes a PNG of 8-bit RGB or RGBA into RGB (used by tests and by whoever checks a preview). */
export function decodeRgbPng(bytes: Uint8Array): RgbImage {
  const png = decode(bytes);
  if (png.depth !== 8 || (png.channels !== 3 && png.channels !== 4)) {
    throw new ReimageError(ErrorCode.BadInput, `PNG of depth ${png.depth} with ${png.channels} channels; expected 8-bit RGB or RGBA`);
  }
  const rgb = new Uint8Array(png.width * png.height * 3);
  for (let i = 0, o = 0; o < rgb.length; i += png.channels, o += 3) {
    rgb[o] = png.data[i] ?? 0;
    rgb[o + 1] = png.data[i + 1] ?? 0;
    rgb[o + 2] = png.data[i + 2] ?? 0;
  }
  return { width: png.width, height: png.height, rgb, text: png.text };
}
