/**
 * FITS writing: cards formatted to the Standard (fixed format for short values, CONTINUE
 * for long strings), headers padded to 2880 bytes, and a streaming writer of float planes
 * for cut-outs and moment maps: one plane in memory at a time, NaN kept as NaN.
 */
import { open, type FileHandle } from "node:fs/promises";
import { ErrorCode, ReimageError } from "../domain/index.js";
import { encodeFloats, type PixelArray } from "./decode.js";
import { BLOCK_LENGTH, CARD_LENGTH, type FitsValue } from "./header.js";

export interface CardInput {
  readonly keyword: string;
  /** Omit for commentary cards (COMMENT, HISTORY, blank keyword). */
  readonly value?: FitsValue;
  readonly comment?: string;
}

const KEYWORD = /^[A-Z0-9_-]{0,8}$/;
const COMMENTARY = new Set(["COMMENT", "HISTORY", ""]);

function badInput(message: string): ReimageError {
  return new ReimageError(ErrorCode.BadInput, message);
}

/** Shortest text that reads back as the same double, in FITS spelling (upper-case E, a dot). */
export function formatReal(value: number): string {
  if (!Number.isFinite(value)) throw badInput(`FITS cannot hold the value ${value}`);
  const text = String(value).toUpperCase();
  if (text.includes("E")) return text.includes(".") ? text : text.replace("E", ".0E");
  return text.includes(".") ? text : `${text}.0`;
}

function formatValue(value: FitsValue): string {
  if (value === null) return "";
  if (typeof value === "boolean") return (value ? "T" : "F").padStart(20);
  if (typeof value === "bigint") return value.toString().padStart(20);
  // A whole number beyond 32 bits is written as a real: readers that hold integer cards in
  // 32 bits (CASA's among them) overflow on RESTFRQ = 115271202000 written as an integer.
  if (typeof value === "number") return (Number.isInteger(value) && value >= -2_147_483_648 && value <= 2_147_483_647 && !Object.is(value, -0) ? value.toFixed(0) : formatReal(value)).padStart(20);
  if (typeof value === "string") throw badInput("strings are formatted by formatStringCards");
  return `(${formatReal(value.re)}, ${formatReal(value.im)})`.padStart(20);
}

function quote(text: string): string {
  // Short strings are padded to 8 characters inside the quotes, as the Standard recommends.
  return `'${text.replaceAll("'", "''").padEnd(8)}'`;
}

function withComment(start: string, comment: string | undefined): string {
  if (comment === undefined || comment === "") return start.padEnd(CARD_LENGTH);
  const line = `${start} / ${comment}`;
  return (line.length > CARD_LENGTH ? line.slice(0, CARD_LENGTH) : line).padEnd(CARD_LENGTH);
}

function checkText(text: string, what: string): void {
  if (!/^[\x20-\x7e]*$/.test(text)) throw badInput(`${what} holds characters that are not printable ASCII: ${JSON.stringify(text)}`);
}

/** A string value as one card, or several with CONTINUE when it does not fit (OGIP long strings). */
function formatStringCards(keyword: string, value: string, comment: string | undefined): string[] {
  const head = `${keyword.padEnd(8)}= `;
  const whole = quote(value);
  if (head.length + whole.length <= CARD_LENGTH) return [withComment(head + whole, comment)];
  // Each piece is escaped on its own so a '' pair never straddles two cards.
  const cards: string[] = [];
  let rest = value;
  let prefix = head;
  while (rest.length > 0) {
    const room = CARD_LENGTH - prefix.length - 3; // quotes and the '&'
    let take = Math.min(rest.length, room);
    while (take > 1 && rest.slice(0, take).replaceAll("'", "''").length > room) take -= 1;
    const piece = rest.slice(0, take);
    rest = rest.slice(take);
    const escaped = piece.replaceAll("'", "''");
    cards.push((rest.length > 0 ? `${prefix}'${escaped}&'` : `${prefix}'${escaped}'`).padEnd(CARD_LENGTH));
    prefix = "CONTINUE  ";
  }
  const last = cards.length - 1;
  cards[last] = withComment((cards[last] ?? "").trimEnd(), comment);
  return cards;
}

/** Formats one card as one or more 80-character lines. */
export function formatCard(card: CardInput): string[] {
  if (!KEYWORD.test(card.keyword)) throw badInput(`FITS keyword ${JSON.stringify(card.keyword)} must be up to 8 of A-Z 0-9 _ -`);
  if (card.comment !== undefined) checkText(card.comment, `comment of ${card.keyword}`);
  if (card.value === undefined) {
    if (!COMMENTARY.has(card.keyword) && card.keyword.length === 0) throw badInput("a card needs a keyword");
    const text = card.comment ?? "";
    const lines: string[] = [];
    for (let i = 0; i === 0 || i < text.length; i += 72) lines.push(`${card.keyword.padEnd(8)}${text.slice(i, i + 72)}`.padEnd(CARD_LENGTH));
    return lines;
  }
  if (COMMENTARY.has(card.keyword)) throw badInput(`${card.keyword} cards take no value`);
  if (typeof card.value === "string") {
    checkText(card.value, `value of ${card.keyword}`);
    return formatStringCards(card.keyword, card.value, card.comment);
  }
  const start = `${card.keyword.padEnd(8)}= ${formatValue(card.value)}`;
  if (start.length > CARD_LENGTH) throw badInput(`value of ${card.keyword} does not fit a card`);
  return [withComment(start, card.comment)];
}

/** A whole header: the cards, END, then spaces up to a multiple of 2880 bytes. */
export function formatHeader(cards: readonly CardInput[]): Uint8Array {
  const lines = cards.flatMap(formatCard);
  lines.push("END".padEnd(CARD_LENGTH));
  const text = lines.join("");
  const size = Math.ceil(text.length / BLOCK_LENGTH) * BLOCK_LENGTH;
  const bytes = new Uint8Array(size).fill(0x20);
  for (let i = 0; i < text.length; i += 1) bytes[i] = text.charCodeAt(i);
  return bytes;
}

export interface ImageHeaderOptions {
  /** NAXIS1, NAXIS2, ... (NAXIS1 varies fastest). */
  readonly axes: readonly number[];
  readonly bitpix: -32 | -64;
  /** WCS, beam, BUNIT...: everything after the structural keywords, in order. */
  readonly cards?: readonly CardInput[];
  /** `true` for the primary HDU (SIMPLE), `false` for an IMAGE extension. */
  readonly primary?: boolean;
  readonly extend?: boolean;
}

const STRUCTURAL = /^(SIMPLE|XTENSION|BITPIX|NAXIS\d*|EXTEND|PCOUNT|GCOUNT|END|BSCALE|BZERO|BLANK)$/;

/** The structural cards of an image HDU followed by the caller's cards (structural ones among those are refused). */
export function imageHeaderCards(options: ImageHeaderOptions): CardInput[] {
  const primary = options.primary ?? true;
  const cards: CardInput[] = [
    primary ? { keyword: "SIMPLE", value: true, comment: "conforms to FITS standard" } : { keyword: "XTENSION", value: "IMAGE", comment: "image extension" },
    { keyword: "BITPIX", value: options.bitpix, comment: "IEEE floating point" },
    { keyword: "NAXIS", value: options.axes.length },
    ...options.axes.map((n, i) => ({ keyword: `NAXIS${i + 1}`, value: n })),
  ];
  if (!primary) cards.push({ keyword: "PCOUNT", value: 0 }, { keyword: "GCOUNT", value: 1 });
  if (primary && options.extend === true) cards.push({ keyword: "EXTEND", value: true });
  for (const card of options.cards ?? []) {
    if (STRUCTURAL.test(card.keyword)) throw badInput(`${card.keyword} is set by the writer from the axes and BITPIX`);
    cards.push(card);
  }
  return cards;
}

export interface PlaneWriter {
  /** Appends the next plane (NAXIS1 x NAXIS2 pixels, x fastest) in file order. */
  writePlane(data: PixelArray): Promise<void>;
  /** Pads the data to 2880 bytes and closes; refuses if planes are missing. */
  close(): Promise<{ readonly bytes: number }>;
  /** Closes without the checks, after a failure elsewhere. */
  abort(): Promise<void>;
}

/** Where a plane writer's bytes go: a file, an HTTP response... Each write completes before the next. */
export interface ByteSink {
  write(bytes: Uint8Array): Promise<void>;
  close(): Promise<void>;
}

/** Opens `path` for writing an image of float planes; header first, then planes as they come. */
export async function createPlaneWriter(path: string, options: ImageHeaderOptions): Promise<PlaneWriter> {
  const handle: FileHandle = await open(path, "w");
  let position = 0;
  const sink: ByteSink = {
    async write(bytes: Uint8Array): Promise<void> {
      let done = 0;
      while (done < bytes.length) {
        const { bytesWritten } = await handle.write(bytes, done, bytes.length - done, position + done);
        done += bytesWritten;
      }
      position += bytes.length;
    },
    close: () => handle.close(),
  };
  try {
    return await writePlanesTo(sink, options, path);
  } catch (caught) {
    await handle.close();
    throw caught;
  }
}

/**
 * The same image writer over any sink: the header is formatted (and refused if wrong)
 * before a byte is written, then planes go out one at a time. `path` names it in errors.
 */
export async function writePlanesTo(sink: ByteSink, options: ImageHeaderOptions, path: string): Promise<PlaneWriter> {
  const header = formatHeader(imageHeaderCards(options));
  const width = options.axes[0] ?? 0;
  const height = options.axes.length >= 2 ? (options.axes[1] ?? 0) : 1;
  const planes = options.axes.slice(2).reduce((a, b) => a * b, 1);
  const planePixels = width * height;
  const pixelBytes = options.bitpix === -32 ? 4 : 8;
  let position = 0;
  const write = async (bytes: Uint8Array): Promise<void> => {
    await sink.write(bytes);
    position += bytes.length;
  };
  await write(header);
  let written = 0;
  const buffer = new Uint8Array(planePixels * pixelBytes);
  let closed = false;
  const abort = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    await sink.close();
  };
  return {
    async writePlane(data: PixelArray): Promise<void> {
      if (closed) throw badInput(`${path}: the writer is closed`);
      if (data.length !== planePixels) throw badInput(`${path}: a plane has ${planePixels} pixels, got ${data.length}`);
      if (written >= planes) throw badInput(`${path}: the image has ${planes} planes, plane ${written + 1} is one too many`);
      encodeFloats(options.bitpix, planePixels, data, 0, buffer, 0);
      await write(buffer);
      written += 1;
    },
    async close(): Promise<{ bytes: number }> {
      if (closed) return { bytes: position };
      if (written !== planes) {
        await abort();
        throw badInput(`${path}: ${written} planes written of ${planes}`);
      }
      const dataBytes = planes * planePixels * pixelBytes;
      const pad = (BLOCK_LENGTH - (dataBytes % BLOCK_LENGTH)) % BLOCK_LENGTH;
      // Data padding is zeros, header padding spaces (Standard 3.3.2).
      if (pad > 0) await write(new Uint8Array(pad));
      closed = true;
      await sink.close();
      return { bytes: position };
    },
    abort,
  };
}
