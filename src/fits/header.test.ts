/**
 * Header cards as the FITS Standard 4.0 (section 4.2) spells them; each expected value is
 * read off the card text by the Standard's rules.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { ErrorCode, ReimageError } from "../domain/index.js";
import { parseCard, parseHeaderCards } from "./header.js";

const where = { file: "example.fits", hdu: 0 };
const card = (text: string): string => text.padEnd(80);

test("values: integers, reals with E or D exponents, logicals, strings, complex, undefined", () => {
  assert.equal(parseCard(card("NAXIS1  =                  128 / length"), 1, where).value, 128);
  assert.equal(parseCard(card("CDELT1  =  -2.777777777778E-04"), 1, where).value, -2.777777777778e-4);
  assert.equal(parseCard(card("CRVAL3  =   1.138132993449D+11"), 1, where).value, 1.138132993449e11);
  assert.equal(parseCard(card("SIMPLE  =                    T"), 1, where).value, true);
  assert.equal(parseCard(card("BLANK   = -9223372036854775808"), 1, where).value, -(2n ** 63n));
  assert.equal(parseCard(card("OBJECT  = '  NGC3256 '  / leading spaces count"), 1, where).value, "  NGC3256");
  assert.equal(parseCard(card("NOTE    = 'it''s'"), 1, where).value, "it's");
  assert.equal(parseCard(card("EMPTY   = ''"), 1, where).value, "");
  assert.deepEqual(parseCard(card("CVAL    = (1.5, -2)"), 1, where).value, { re: 1.5, im: -2 });
  assert.equal(parseCard(card("UNDEF   =          / nothing"), 1, where).value, null);
  assert.equal(parseCard(card("UNDEF   =          / nothing"), 1, where).comment, "nothing");
});

test("commentary: COMMENT, HISTORY, blank keywords and cards without '= ' keep their text", () => {
  const history = parseCard(card("HISTORY >ct---------------------------"), 4, where);
  assert.equal(history.value, undefined);
  assert.equal(history.comment, ">ct---------------------------");
  assert.equal(parseCard(card("         SION=3.2a"), 5, where).comment, " SION=3.2a");
  assert.equal(parseCard(card("COMMENT = 'not a value'"), 6, where).value, undefined);
});

test("CONTINUE joins long strings; HIERARCH is read past and reported", () => {
  const header = parseHeaderCards(
    [
      card("LONG    = 'first part &'  / starts here"),
      card("CONTINUE  'second part&'"),
      card("CONTINUE  'end'  / ends here"),
      card("HIERARCH ESO DET CHIP = 3"),
      card("AFTER   = 1"),
    ],
    where,
  );
  assert.equal(header.values.get("LONG"), "first part second partend");
  assert.equal(header.cards[0]?.comment, "starts here ends here");
  assert.deepEqual(header.skipped, [card("HIERARCH ESO DET CHIP = 3").trimEnd()]);
  assert.equal(header.values.get("AFTER"), 1);
  assert.equal(header.cards[1]?.number, 5, "cards keep their position in the file");
});

test("unreadable cards name the file, the HDU and the card number", () => {
  const fails = (text: string, number: number, pattern: RegExp): void =>
    assert.throws(() => parseCard(card(text), number, { file: "broken.fits", hdu: 2 }), (e: unknown) => {
      assert.ok(e instanceof ReimageError);
      assert.equal(e.code, ErrorCode.BadFits);
      assert.match(e.message, /broken\.fits: HDU 2, header card \d+/);
      assert.match(e.message, pattern);
      return true;
    });
  fails("OBJECT  = 'no end", 7, /card 7: string value without its closing quote/);
  fails("CRPIX1  = 12 34", 8, /unreadable value 12 34/);
  fails("BITPIX  = 'x' trailing", 9, /not a \/ comment/);
  fails("BAD KEY = 1", 10, /embedded space/);
  fails("NAXIS   = \u00e9", 11, /not printable ASCII/);
});
