import { test } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { ErrorCode, ReimageError } from "../domain/errors.js";
import { packageRoot, sharedDir } from "../paths.js";
import { ObsCoreFormat, antennaArrayOf, detectObsCoreFormat, parseObsCore, parseObsCoreTable, readObsCoreFile } from "./obscore.js";

// Real ObsCore answers of the ALMA archive (see /work/shared/real/README.md). Expected
// values were read from the files by eye (and by counting tokens), not from this module.
const REAL = join(sharedDir, "real", "alma-archive");
const SAMPLE = join(packageRoot, "test", "fixtures", "obscore");
const read = async (name: string): Promise<string> => readFile(join(REAL, name), "utf8");

/** Asserts a bad-input ReimageError whose message holds every fragment. */
function throwsBadInput(f: () => unknown, ...fragments: string[]): void {
  assert.throws(f, (err: unknown) => {
    assert.ok(err instanceof ReimageError, String(err));
    assert.equal(err.code, ErrorCode.BadInput);
    for (const fragment of fragments) assert.ok(err.message.includes(fragment), `"${err.message}" lacks "${fragment}"`);
    return true;
  });
}

test("the real one-row answer (astropy ASCII): every column, quoted fields, bytes reprs", async () => {
  const text = await read("alma-onerow.txt");
  assert.equal(detectObsCoreFormat(text), ObsCoreFormat.Ascii);
  const table = parseObsCoreTable(text, "alma-onerow.txt");
  assert.equal(table.columns.length, 64);
  assert.equal(table.rows.length, 1);
  const cell = (name: string): string | undefined => table.rows[0]?.cells[table.columns.indexOf(name)];
  assert.equal(table.rows[0]?.line, 2);
  assert.ok(cell("s_region")?.startsWith("Polygon ICRS 204.319476 -29.894283 204.314307"));
  assert.ok(cell("s_region")?.endsWith("204.337052 -29.894104"));
  assert.equal(cell("lastModified"), "2019-12-11T20:57:17.290");
  assert.equal(cell("obs_creator_name"), "Koda, Jin");
  assert.equal(cell("publication_year"), "");
  assert.equal(cell("spectral_resolution"), "2000000");
});

test("the real one-row answer is one MOUS holding", async () => {
  const holdings = await readObsCoreFile(join(REAL, "alma-onerow.txt"));
  assert.equal(holdings.length, 1);
  const h = holdings[0]!;
  assert.equal(h.mous, "uid://A001/X1295/X35");
  assert.equal(h.projectCode, "2017.1.00079.S");
  assert.equal(h.cycle, 5);
  assert.deepEqual(h.bands, [3]);
  assert.deepEqual(h.arrays, ["12m"]);
  // 52 PAD:ANTENNA tokens; DA54 and DV18 each stood on two pads.
  assert.equal(h.antennaCount, 50);
  assert.equal(h.isMosaic, true);
  assert.deepEqual(h.targets, ["M83"]);
  // Channels: 1.88 GHz / 1952.95 kHz, 1.98 GHz / 31247.16 kHz, 0.47 GHz / 488.24 kHz, 0.24 GHz / 122.06 kHz.
  assert.deepEqual(
    h.spectralWindows.map((s) => [Number(s.loGHz.toFixed(2)), Number(s.hiGHz.toFixed(2)), s.resolutionKHz, s.channels]),
    [
      [112.35, 114.23, 1952.95, 963],
      [113.81, 115.79, 31247.16, 63],
      [114.84, 115.31, 488.24, 963],
      [114.95, 115.19, 122.06, 1966],
    ],
  );
  assert.equal(h.velocityResolutionMs, 317.6733782195699);
  assert.equal(h.spatialResolutionArcsec, 1.5779219110458824);
  assert.equal(h.fieldOfViewDeg, 0.1650122764060855);
  assert.equal(h.emMinM, 0.002624500730920478);
  assert.equal(h.emMaxM, 0.002668272377703091);
  assert.equal(h.exposureS, 156.52);
  assert.equal(h.releaseDate, "2020-03-03T03:20:58.000");
  assert.equal(h.qa2Passed, true);
  assert.equal(h.dataSizeBytes, undefined);
  assert.deepEqual(h.lines, [2]);
});

test("the real empty answer: a header of 63 columns and zero holdings", async () => {
  const text = await read("alma-empty.txt");
  const table = parseObsCoreTable(text, "alma-empty.txt");
  assert.equal(table.columns.length, 63);
  assert.equal(table.rows.length, 0);
  assert.deepEqual(parseObsCore(text, "alma-empty.txt"), []);
});

test("the real VOTable answer (TABLEDATA): rows with their lines; no MOUS columns is a clear error", async () => {
  const xml = await read("alma-shapes.xml");
  assert.equal(detectObsCoreFormat(xml), ObsCoreFormat.VOTable);
  const table = parseObsCoreTable(xml, "alma-shapes.xml");
  assert.deepEqual(table.columns, ["obs_publisher_did", "s_ra", "s_dec", "frequency", "s_region"]);
  assert.deepEqual(table.rows.map((r) => r.line), [25, 32, 39, 46, 53]);
  assert.deepEqual(table.rows[0]?.cells, ["ADS/JAO.ALMA#2017.1.00358.S", "337.25073645418405", "-69.17507615555645", "103.4188615997524", "Circle ICRS 337.250736 -69.175076 0.008223"]);
  assert.ok(table.rows[3]?.cells[4]?.includes("Not (Polygon 53.160470 -27.801462"));
  throwsBadInput(() => parseObsCore(xml, "alma-shapes.xml"), "alma-shapes.xml", "member_ous_uid", "proposal_id");
});

test("VOTable BINARY serialisation is refused as not supported yet", () => {
  const xml = `<?xml version="1.0"?><VOTABLE><RESOURCE type="results"><TABLE><FIELD name="member_ous_uid" datatype="char" arraysize="*"/>
    <DATA><BINARY><STREAM encoding="base64">AAAA</STREAM></BINARY></DATA></TABLE></RESOURCE></VOTABLE>`;
  throwsBadInput(() => parseObsCore(xml, "answer.xml"), "answer.xml", "BINARY", "not supported yet");
});

test("a TAP error answer is an archive error, not an empty list", () => {
  const xml = `<VOTABLE><RESOURCE type="results"><INFO name="QUERY_STATUS" value="ERROR">syntax error near 'form'</INFO></RESOURCE></VOTABLE>`;
  assert.throws(() => parseObsCore(xml, "answer.xml"), (e: unknown) => e instanceof ReimageError && e.code === ErrorCode.Archive && e.message.includes("syntax error near"));
});

test("VOTable and CSV forms of the same sample rows give the same holdings", async () => {
  const fromXml = await readObsCoreFile(join(SAMPLE, "holdings-sample.xml"));
  const fromCsv = (await readObsCoreFile(join(SAMPLE, "holdings-sample.csv"))).slice(0, 2);
  const withoutLines = (hs: typeof fromXml) => hs.map(({ lines: _lines, ...rest }) => rest);
  assert.deepEqual(withoutLines(fromXml), withoutLines(fromCsv));
  // X101 has two target rows, X102 three per-spw rows (README beside the sample).
  assert.deepEqual(fromXml.map((h) => h.lines), [[32, 58], [84, 110, 136]]);
  assert.deepEqual(fromCsv.map((h) => h.lines), [[2, 3], [4, 5, 6]]);
});

test("per-spw and per-target rows fold into one MOUS: spws united, exposure summed over targets, size once", async () => {
  const holdings = await readObsCoreFile(join(SAMPLE, "holdings-sample.csv"));
  assert.equal(holdings.length, 26);
  const x119 = holdings.find((h) => h.mous === "uid://A001/X1f00/X119")!;
  assert.deepEqual(x119.targets, ["NGC_1365", "NGC_1566"]);
  assert.equal(x119.lines.length, 4);
  assert.equal(x119.spectralWindows.length, 2);
  assert.equal(x119.exposureS, 1200 + 900);
  assert.equal(x119.dataSizeBytes, 70e6 * 1000);
  const x102 = holdings.find((h) => h.mous === "uid://A001/X1f00/X102")!;
  assert.deepEqual(x102.spectralWindows.map((s) => s.channels), [960, 960, 60]);
  assert.equal(x102.exposureS, 2400);
  const x10e = holdings.find((h) => h.mous === "uid://A001/X1f00/X10e")!;
  assert.equal(x10e.antennaCount, 45);
  assert.equal(holdings.find((h) => h.mous === "uid://A001/X1f00/X108")?.qa2Passed, false);
  assert.deepEqual(holdings.find((h) => h.mous === "uid://A001/X1f00/X104")?.arrays, ["TP"]);
  assert.equal(holdings.find((h) => h.mous === "uid://A001/X1f00/X116")?.cycle, 0);
});

test("antenna tokens: pads and antenna kinds tell 12m, 7m and TP apart", () => {
  assert.deepEqual(antennaArrayOf("A001:DA44"), { antenna: "DA44", array: "12m" });
  assert.deepEqual(antennaArrayOf("J505:CM05"), { antenna: "CM05", array: "7m" });
  assert.deepEqual(antennaArrayOf("T704:PM02"), { antenna: "PM02", array: "TP" });
  assert.deepEqual(antennaArrayOf("PM03"), { antenna: "PM03", array: "TP" });
  assert.equal(antennaArrayOf("A001:XX01"), undefined);
});

test("bad input names the file, the line and the column", async () => {
  const real = await read("alma-onerow.txt");
  // band_list is field 29 of the real header.
  const badBand = real.replace(" Public 314.57611565717997 31.970814026685794 3 ", " Public 314.57611565717997 31.970814026685794 13 ");
  assert.notEqual(badBand, real);
  throwsBadInput(() => parseObsCore(badBand, "onerow.txt"), "onerow.txt:2", 'column "band_list" (field 29)', '"13"');

  const badMosaic = real.replace(':DV24" T ', ':DV24" maybe ');
  throwsBadInput(() => parseObsCore(badMosaic, "onerow.txt"), "onerow.txt:2", 'column "is_mosaic"', "maybe");

  const badSupport = real.replace("[112.35..114.23GHz,1952.95kHz,", "[112.35..114.23GHz,fast,");
  throwsBadInput(() => parseObsCore(badSupport, "onerow.txt"), "onerow.txt:2", 'column "frequency_support"');

  const badAntenna = real.replace("A001:DA44", "A001:ZZ44");
  throwsBadInput(() => parseObsCore(badAntenna, "onerow.txt"), "onerow.txt:2", 'column "antenna_arrays"', "ZZ44");

  const missingField = real.replace(" 2000000 b'2019", " b'2019");
  throwsBadInput(() => parseObsCore(missingField, "onerow.txt"), "onerow.txt:2", "63 fields", "64 columns");

  const unclosed = real.replace('"Local Universe"', '"Local Universe');
  throwsBadInput(() => parseObsCoreTable(unclosed, "onerow.txt"), "onerow.txt:2", "never closed");
  // A lost quote mid-line pairs with the next one; the text glued to it gives it away.
  const lostQuote = real.replace('"Koda, Jin"', '"Koda, Jin');
  throwsBadInput(() => parseObsCoreTable(lostQuote, "onerow.txt"), "onerow.txt:2", "right after a closing quote");

  const csv = await readFile(join(SAMPLE, "holdings-sample.csv"), "utf8");
  const otherProject = csv.split("\n").map((l, i) => (i === 2 ? l.replaceAll("2013.1.00001.S", "2013.1.00099.S") : l)).join("\n");
  throwsBadInput(() => parseObsCore(otherProject, "sample.csv"), "sample.csv:3", 'column "proposal_id"', "line 2");

  const xml = await readFile(join(SAMPLE, "holdings-sample.xml"), "utf8");
  const lines = xml.split("\n");
  // Line 58 opens X101's second row; its is_mosaic cell is the 16th TD after it.
  assert.equal(lines[57]?.trim(), "<TR>");
  lines[58 + 15] = "            <TD>perhaps</TD>";
  throwsBadInput(() => parseObsCore(lines.join("\n"), "sample.xml"), "sample.xml:58", 'column "is_mosaic" (field 16)', "perhaps");

  await assert.rejects(readObsCoreFile(join(SAMPLE, "no-such-file.csv")), (e: unknown) => e instanceof ReimageError && e.message.includes("no-such-file.csv") && e.cause instanceof Error);
});
