/**
 * The project's VOTable writer (IVOA VOTable 1.4, TABLEDATA serialisation): fields with
 * their datatype, unit, UCD and utype, rows written as they come so that a large table
 * streams. Reading VOTables is `archive/obscore.ts`'s business.
 *
 * Nulls: an empty `<TD/>` for every datatype (VOTable 1.4, 6.2 "empty cell"); NaN and
 * infinities of floating-point columns are written as such (`NaN`, `+Inf`, `-Inf`).
 */

export type VOTableDatatype = "boolean" | "short" | "int" | "long" | "float" | "double" | "char" | "unicodeChar";

export interface VOTableField {
  readonly name: string;
  readonly datatype: VOTableDatatype;
  /** `*` for variable-length strings; omitted for scalars. */
  readonly arraysize?: string;
  readonly unit?: string;
  readonly ucd?: string;
  readonly utype?: string;
  readonly description?: string;
}

export type VOTableCell = string | number | boolean | bigint | null | undefined;

export interface VOTableDocument {
  readonly fields: readonly VOTableField[];
  readonly rows: Iterable<readonly VOTableCell[]>;
  readonly tableName?: string;
  readonly description?: string;
  /** INFO elements of the results resource (QUERY_STATUS, the service's name...). */
  readonly infos?: readonly { readonly name: string; readonly value: string; readonly text?: string }[];
}

export const VOTABLE_NAMESPACE = "http://www.ivoa.net/xml/VOTable/v1.3";

/** Escapes text for XML element content and double-quoted attributes. */
export function xmlEscape(text: string): string {
  // Characters XML 1.0 cannot hold at all are dropped rather than written as invalid markup.
  return text
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, "")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;");
}

function attributes(pairs: Readonly<Record<string, string | undefined>>): string {
  return Object.entries(pairs)
    .filter((e): e is [string, string] => e[1] !== undefined)
    .map(([k, v]) => ` ${k}="${xmlEscape(v)}"`)
    .join("");
}

function cellText(field: VOTableField, value: VOTableCell): string | undefined {
  if (value === null || value === undefined) return undefined;
  switch (field.datatype) {
    case "boolean":
      return value === true || value === "T" || value === "true" ? "T" : "F";
    case "float":
    case "double": {
      const n = Number(value);
      if (Number.isNaN(n)) return "NaN";
      if (!Number.isFinite(n)) return n > 0 ? "+Inf" : "-Inf";
      return String(n);
    }
    case "short":
    case "int":
    case "long": {
      if (typeof value === "bigint") return value.toString();
      const n = Number(value);
      if (!Number.isInteger(n)) throw new Error(`VOTable field ${field.name}: ${String(value)} is not an integer`);
      return String(n);
    }
    case "char":
    case "unicodeChar":
      return String(value);
  }
}

function fieldElement(f: VOTableField): string {
  const attrs = attributes({ name: f.name, datatype: f.datatype, arraysize: f.arraysize, unit: f.unit, ucd: f.ucd, utype: f.utype });
  return f.description === undefined
    ? `      <FIELD${attrs}/>\n`
    : `      <FIELD${attrs}>\n        <DESCRIPTION>${xmlEscape(f.description)}</DESCRIPTION>\n      </FIELD>\n`;
}

/** The document in pieces, header first, then a piece per row: write them to a stream as they come. */
export function* votableChunks(doc: VOTableDocument): Generator<string, void, undefined> {
  yield `<?xml version="1.0" encoding="UTF-8"?>\n<VOTABLE version="1.4" xmlns="${VOTABLE_NAMESPACE}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n`;
  yield `  <RESOURCE type="results">\n`;
  for (const info of doc.infos ?? []) {
    yield `    <INFO${attributes({ name: info.name, value: info.value })}>${xmlEscape(info.text ?? "")}</INFO>\n`;
  }
  yield `    <TABLE${attributes({ name: doc.tableName })}>\n`;
  if (doc.description !== undefined) yield `      <DESCRIPTION>${xmlEscape(doc.description)}</DESCRIPTION>\n`;
  for (const f of doc.fields) yield fieldElement(f);
  yield `      <DATA>\n        <TABLEDATA>\n`;
  for (const row of doc.rows) {
    if (row.length !== doc.fields.length) throw new Error(`VOTable row has ${row.length} cells for ${doc.fields.length} fields`);
    let tr = "          <TR>";
    for (let i = 0; i < row.length; i += 1) {
      const text = cellText(doc.fields[i]!, row[i]);
      tr += text === undefined ? "<TD/>" : `<TD>${xmlEscape(text)}</TD>`;
    }
    yield `${tr}</TR>\n`;
  }
  yield `        </TABLEDATA>\n      </DATA>\n    </TABLE>\n  </RESOURCE>\n</VOTABLE>\n`;
}

export function votableText(doc: VOTableDocument): string {
  return [...votableChunks(doc)].join("");
}
