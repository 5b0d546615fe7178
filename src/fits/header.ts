/**
 * FITS header cards (FITS Standard 4.0, section 4): 80-character cards in 2880-byte blocks.
 * Parsing is exact and strict about values (a card we cannot read is an error naming its
 * number), lenient about keyword spelling (real writers use lower case now and then).
 */
import { ErrorCode, ReimageError } from "../domain/index.js";

export const CARD_LENGTH = 80;
export const BLOCK_LENGTH = 2880;
export const CARDS_PER_BLOCK = BLOCK_LENGTH / CARD_LENGTH;

/** A complex value `(re, im)`: kept apart so it is never mistaken for a number. */
export interface FitsComplex {
  readonly re: number;
  readonly im: number;
}

/**
 * A card's value: integers beyond 2^53 stay exact as bigint (BLANK of 64-bit images);
 * `null` is the standard's "undefined value" (`KEY     =` with nothing after it).
 */
export type FitsValue = string | number | bigint | boolean | FitsComplex | null;

export interface FitsCard {
  /** 1-based position in the header, as error messages count. */
  readonly number: number;
  readonly keyword: string;
  /** `undefined` for commentary cards (COMMENT, HISTORY, blank keyword, no value indicator). */
  readonly value: FitsValue | undefined;
  /** The comment after `/`, or the text of a commentary card. */
  readonly comment: string;
}

export interface FitsHeader {
  readonly cards: readonly FitsCard[];
  /** First occurrence of each valued keyword, as astropy's `header[key]` answers. */
  readonly values: ReadonlyMap<string, FitsValue>;
  /** Keywords we read past on purpose (HIERARCH), so callers can say so. */
  readonly skipped: readonly string[];
}

/** Where the text came from, for error messages only. */
export interface CardSource {
  readonly file: string;
  readonly hdu: number;
}

function badCard(source: CardSource, number: number, what: string, card: string): ReimageError {
  return new ReimageError(
    ErrorCode.BadFits,
    `${source.file}: HDU ${source.hdu}, header card ${number}: ${what}: ${JSON.stringify(card.trimEnd())}`,
  );
}

const INTEGER = /^[+-]?\d+$/;
const REAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[EeDd][+-]?\d+)?$/;

function parseNumber(token: string): number | bigint | undefined {
  if (INTEGER.test(token)) {
    const big = BigInt(token);
    return big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
  }
  if (REAL.test(token)) return Number(token.replace(/[Dd]/, "E"));
  return undefined;
}

/** Reads a quoted string starting at `text[0] === "'"`; returns the value and the rest. */
function parseQuoted(text: string): { value: string; rest: string } | undefined {
  let value = "";
  let i = 1;
  for (;;) {
    const quote = text.indexOf("'", i);
    if (quote < 0) return undefined;
    value += text.slice(i, quote);
    if (text[quote + 1] === "'") {
      value += "'";
      i = quote + 2;
    } else {
      // Trailing spaces inside the quotes are not significant (Standard 4.2.1.1); leading are.
      return { value: value.replace(/ +$/, ""), rest: text.slice(quote + 1) };
    }
  }
}

function commentOf(rest: string): string | undefined {
  const trimmed = rest.trim();
  if (trimmed === "") return "";
  if (trimmed.startsWith("/")) return trimmed.slice(1).trim();
  return undefined;
}

/** Parses the value field (columns 11-80) of a card that has the `= ` indicator. */
function parseValueField(field: string): { value: FitsValue; comment: string } | string {
  const text = field.trimStart();
  if (text.startsWith("'")) {
    const quoted = parseQuoted(text);
    if (quoted === undefined) return "string value without its closing quote";
    const comment = commentOf(quoted.rest);
    if (comment === undefined) return "text after the closing quote that is not a / comment";
    return { value: quoted.value, comment };
  }
  const slash = text.indexOf("/");
  const token = (slash < 0 ? text : text.slice(0, slash)).trim();
  const comment = slash < 0 ? "" : text.slice(slash + 1).trim();
  if (token === "") return { value: null, comment };
  if (token === "T" || token === "F") return { value: token === "T", comment };
  const complex = /^\(\s*([^,\s]+)\s*,\s*([^)\s]+)\s*\)$/.exec(token);
  if (complex !== null) {
    const re = parseNumber(complex[1] ?? "");
    const im = parseNumber(complex[2] ?? "");
    if (re === undefined || im === undefined) return `unreadable complex value ${token}`;
    return { value: { re: Number(re), im: Number(im) }, comment };
  }
  const number = parseNumber(token);
  if (number === undefined) return `unreadable value ${token}`;
  return { value: number, comment };
}

const COMMENTARY = new Set(["COMMENT", "HISTORY", ""]);

/** Parses one 80-character card (without CONTINUE handling; see `parseHeaderCards`). */
export function parseCard(card: string, number: number, source: CardSource): FitsCard {
  if (card.length !== CARD_LENGTH) throw badCard(source, number, `card of ${card.length} characters, not 80`, card);
  for (let i = 0; i < card.length; i += 1) {
    const code = card.charCodeAt(i);
    if (code < 0x20 || code > 0x7e) {
      throw badCard(source, number, `byte 0x${code.toString(16).padStart(2, "0")} at column ${i + 1} is not printable ASCII`, card);
    }
  }
  const keyword = card.slice(0, 8).trimEnd();
  if (keyword.includes(" ")) throw badCard(source, number, "keyword with an embedded space", card);
  if (COMMENTARY.has(keyword) || card.slice(8, 10) !== "= ") {
    return { number, keyword, value: undefined, comment: card.slice(8).trimEnd() };
  }
  const parsed = parseValueField(card.slice(10));
  if (typeof parsed === "string") throw badCard(source, number, parsed, card);
  return { number, keyword, value: parsed.value, comment: parsed.comment };
}

/**
 * Parses the cards of one header up to (not including) END. CONTINUE cards are folded into
 * the string they continue (the OGIP long-string convention, Standard 4.2.1.2).
 */
export function parseHeaderCards(cards: readonly string[], source: CardSource): FitsHeader {
  const out: FitsCard[] = [];
  const skipped: string[] = [];
  for (let i = 0; i < cards.length; i += 1) {
    const text = cards[i] ?? "";
    const number = i + 1;
    if (text.startsWith("HIERARCH ")) {
      // ESO's HIERARCH convention is not used by ALMA products; we read past it and say so.
      skipped.push(text.trimEnd());
      continue;
    }
    if (text.startsWith("CONTINUE") && text.slice(8, 10) !== "= ") {
      const previous = out[out.length - 1];
      const field = text.slice(8).trimStart();
      if (previous === undefined || typeof previous.value !== "string" || !previous.value.endsWith("&") || !field.startsWith("'")) {
        // A CONTINUE that continues nothing is commentary, as astropy treats it.
        out.push({ number, keyword: "CONTINUE", value: undefined, comment: text.slice(8).trimEnd() });
        continue;
      }
      const quoted = parseQuoted(field);
      if (quoted === undefined) throw badCard(source, number, "CONTINUE string without its closing quote", text);
      const comment = commentOf(quoted.rest) ?? "";
      out[out.length - 1] = {
        ...previous,
        value: previous.value.slice(0, -1) + quoted.value,
        comment: previous.comment === "" ? comment : comment === "" ? previous.comment : `${previous.comment} ${comment}`,
      };
      continue;
    }
    out.push(parseCard(text, number, source));
  }
  const values = new Map<string, FitsValue>();
  for (const card of out) {
    if (card.value !== undefined && !values.has(card.keyword)) values.set(card.keyword, card.value);
  }
  return { cards: out, values, skipped };
}

/** True for the END card: keyword END and nothing but spaces after it. */
export function isEndCard(card: string): boolean {
  return card.startsWith("END") && card.slice(3).trim() === "";
}

export function headerNumber(header: FitsHeader, keyword: string): number | undefined {
  const value = header.values.get(keyword);
  if (typeof value === "number") return value;
  if (typeof value === "bigint") return Number(value);
  return undefined;
}

export function headerString(header: FitsHeader, keyword: string): string | undefined {
  const value = header.values.get(keyword);
  return typeof value === "string" ? value : undefined;
}

/** An integer keyword the structure depends on (BITPIX, NAXISn): missing or non-integer is an error. */
export function requiredInteger(header: FitsHeader, keyword: string, source: CardSource): number {
  const card = header.cards.find((c) => c.keyword === keyword && c.value !== undefined);
  const value = card?.value;
  if (typeof value !== "number" || !Number.isInteger(value)) {
    throw new ReimageError(
      ErrorCode.BadFits,
      card === undefined
        ? `${source.file}: HDU ${source.hdu}: required keyword ${keyword} is missing`
        : `${source.file}: HDU ${source.hdu}, header card ${card.number}: ${keyword} must be an integer, found ${JSON.stringify(value === undefined || typeof value === "bigint" ? String(value) : value)}`,
    );
  }
  return value;
}
