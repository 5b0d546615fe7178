/**
 * The project's VOTable reader (TABLEDATA serialisation): the first table of the results
 * resource as column names and rows of text cells, each row with the line it starts on so
 * that errors can point into the answer. What the columns mean is the caller's business
 * (DataLink answers, ObsCore holdings). Writing VOTables is `publish/votable.ts`'s.
 */
import { XMLParser } from "fast-xml-parser";
import { ErrorCode, ReimageError, coerceError } from "../domain/errors.js";

export interface VOTableRows {
  readonly columns: readonly string[];
  readonly rows: readonly { readonly line: number; readonly cells: readonly string[] }[];
}

const ARRAYS: ReadonlySet<string> = new Set(["RESOURCE", "TABLE", "FIELD", "TR", "TD", "INFO"]);
const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: "",
  removeNSPrefix: true,
  // Cells stay text: each caller converts its columns and reports its own bad values.
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  isArray: (name) => ARRAYS.has(name),
});

type Node = Record<string, unknown>;
const isNode = (v: unknown): v is Node => typeof v === "object" && v !== null && !Array.isArray(v);
const nodes = (v: unknown): Node[] => (Array.isArray(v) ? v.filter(isNode) : isNode(v) ? [v] : []);

function text(v: unknown): string {
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  // A cell with attributes comes back as an object holding its text.
  if (isNode(v) && typeof v["#text"] === "string") return v["#text"];
  return "";
}

/** Counts lines forward from the last position asked for: one pass over a large answer, not one per row. */
function lineCounter(xml: string): (offset: number) => number {
  let at = 0;
  let line = 1;
  return (offset) => {
    for (let i = xml.indexOf("\n", at); i >= 0 && i < offset; i = xml.indexOf("\n", i + 1)) {
      line += 1;
      at = i + 1;
    }
    return line;
  };
}

/**
 * Reads the results table of a VOTable. `what` names the document in errors ("the
 * DataLink answer x.xml"); malformed documents are `errorCode` errors, a service's own
 * QUERY_STATUS=ERROR is an archive error carrying the service's message.
 */
export function readVOTableRows(xml: string, what: string, errorCode: ErrorCode = ErrorCode.BadInput): VOTableRows {
  const bad = (message: string, cause?: Error) => new ReimageError(errorCode, `${what}: ${message}`, cause === undefined ? {} : { cause });
  let doc: unknown;
  try {
    doc = parser.parse(xml, true);
  } catch (caught) {
    throw bad("not well-formed XML", coerceError(caught));
  }
  const votable = isNode(doc) ? doc["VOTABLE"] : undefined;
  if (!isNode(votable)) throw bad("XML, but not a VOTable (no VOTABLE element)");
  const resources = nodes(votable["RESOURCE"]);
  const results = resources.find((r) => r["type"] === "results") ?? resources[0];
  // A TAP or DataLink service reports a failed query in an INFO of the results resource.
  const status = nodes(results?.["INFO"]).find((i) => i["name"] === "QUERY_STATUS");
  if (status !== undefined && text(status["value"]) === "ERROR") {
    throw new ReimageError(ErrorCode.Archive, `${what}: the service reports an error: ${text(status["#text"]) || "(no message)"}`);
  }
  const table = nodes(results?.["TABLE"])[0];
  if (table === undefined) throw bad("the VOTable has no results TABLE");
  const columns = nodes(table["FIELD"]).map((f) => text(f["name"]));
  const data = isNode(table["DATA"]) ? table["DATA"] : undefined;
  if (data === undefined) return { columns, rows: [] };
  for (const serialisation of ["BINARY", "BINARY2", "FITS"]) {
    if (serialisation in data) throw bad(`VOTable ${serialisation} serialisation is not supported yet; ask the service for TABLEDATA (or CSV)`);
  }
  const tableData = isNode(data["TABLEDATA"]) ? data["TABLEDATA"] : {};
  const trs = nodes(tableData["TR"]);
  // The parser keeps no positions: find each <TR> in the text, in document order. If the
  // counts disagree (CDATA, odd markup), row numbers stand in for lines.
  const start = xml.search(/<(?:[\w.-]+:)?TABLEDATA[\s>]/);
  const trLines: number[] = [];
  if (start >= 0) {
    const re = /<(?:[\w.-]+:)?TR[\s>/]/g;
    re.lastIndex = start;
    const lineAt = lineCounter(xml);
    for (let m = re.exec(xml); m !== null; m = re.exec(xml)) trLines.push(lineAt(m.index));
  }
  const useLines = trLines.length === trs.length;
  const rows = trs.map((tr, i) => {
    const line = useLines ? trLines[i]! : i + 1;
    const cells = (Array.isArray(tr["TD"]) ? tr["TD"] : []).map(text);
    if (cells.length !== columns.length) throw bad(`line ${line}: ${cells.length} TD cells, but the table declares ${columns.length} FIELDs`);
    return { line, cells };
  });
  return { columns, rows };
}
