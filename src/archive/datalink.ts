/**
 * The ALMA archive's DataLink answers (IVOA DataLink VOTables): which files a MOUS has and
 * what each is for, so a restore downloads the auxiliary and raw tars and skips the
 * (often much larger) product tars.
 */
import { readVOTableRows } from "./votable.js";
import { ErrorCode, ReimageError } from "../domain/index.js";

/** What a DataLink row is for reimage. */
export const DataLinkRole = {
  Readme: "readme",
  Product: "product",
  Auxiliary: "auxiliary",
  RawAsdm: "raw-asdm",
  Other: "other",
} as const;
export type DataLinkRole = (typeof DataLinkRole)[keyof typeof DataLinkRole];

export interface DataLinkRow {
  /** The `ID` the row answers for (a MOUS uid, or the tar a recursive answer lists). */
  readonly id: string;
  readonly accessUrl?: string;
  /** Set on rows that point to another DataLink answer (the contents of a tar). */
  readonly serviceDef?: string;
  readonly errorMessage?: string;
  readonly semantics: string;
  readonly description?: string;
  readonly contentType?: string;
  /** Bytes, when the archive states them. */
  readonly contentLength?: number;
  readonly readable?: boolean;
  /** The last path segment of `accessUrl`. */
  readonly fileName?: string;
  readonly role: DataLinkRole;
}

function fileNameOf(url: string): string | undefined {
  try {
    const last = new URL(url).pathname.split("/").pop();
    return last === undefined || last.length === 0 ? undefined : decodeURIComponent(last);
  } catch {
    return undefined;
  }
}

/**
 * The role, from the file name first and the semantics second: the archive's semantics are
 * not a folder taxonomy (logs inside an auxiliary tar say `#documentation`, raw tars may
 * say `#progenitor` or `#package`).
 */
export function roleOf(semantics: string, fileName: string | undefined): DataLinkRole {
  const name = fileName ?? "";
  if (/\.asdm\.sdm(\.tar)?$/.test(name)) return DataLinkRole.RawAsdm;
  if (/readme/i.test(name)) return DataLinkRole.Readme;
  if (/_auxiliary\.tar$/.test(name)) return DataLinkRole.Auxiliary;
  if (/_\d{3}_of_\d{3}\.tar$/.test(name)) return DataLinkRole.Product;
  if (fileName === undefined) return DataLinkRole.Other;
  switch (semantics) {
    case "#this":
      return DataLinkRole.Product;
    case "#auxiliary":
      return DataLinkRole.Auxiliary;
    case "#progenitor":
    case "#package":
      return /uid___A002_/.test(name) ? DataLinkRole.RawAsdm : DataLinkRole.Other;
    default:
      return DataLinkRole.Other;
  }
}

/** Rows of a DataLink VOTable answer; `source` names it in errors (a URL or a file). */
export function parseDataLink(xml: string, source: string): DataLinkRow[] {
  const table = readVOTableRows(xml, `the DataLink answer ${source}`, ErrorCode.Archive);
  const columns = table.columns;
  const col = (name: string): number => columns.indexOf(name);
  const need = ["ID", "access_url", "semantics"];
  const missing = need.filter((n) => col(n) < 0);
  if (missing.length > 0) {
    throw new ReimageError(ErrorCode.Archive, `the DataLink answer ${source} lacks the column(s) ${missing.join(", ")}`);
  }

  return table.rows.map(({ cells }, i) => {
    const cell = (name: string): string | undefined => {
      const at = col(name);
      const v = at < 0 ? undefined : cells[at];
      return v === undefined || v.length === 0 ? undefined : v;
    };
    const accessUrl = cell("access_url");
    const lengthText = cell("content_length");
    let contentLength: number | undefined;
    if (lengthText !== undefined) {
      contentLength = Number(lengthText);
      if (!Number.isSafeInteger(contentLength) || contentLength < 0) {
        throw new ReimageError(ErrorCode.Archive, `row ${i + 1} of ${source}: content_length "${lengthText}" is not a byte count`);
      }
    }
    const readableText = cell("readable");
    const fileName = accessUrl === undefined ? undefined : fileNameOf(accessUrl);
    const semantics = cell("semantics") ?? "";
    const optional = {
      accessUrl,
      serviceDef: cell("service_def"),
      errorMessage: cell("error_message"),
      description: cell("description"),
      contentType: cell("content_type"),
      contentLength,
      readable: readableText === undefined ? undefined : readableText === "true" || readableText === "1",
      fileName,
    };
    // exactOptionalPropertyTypes: absent fields are left out, not set to undefined.
    const present = Object.fromEntries(Object.entries(optional).filter(([, v]) => v !== undefined)) as Partial<DataLinkRow>;
    return { ...present, id: cell("ID") ?? "", semantics, role: roleOf(semantics, fileName) };
  });
}

/** What a restore downloads: the auxiliary tar and the raw ASDM tars, never product tars. */
export function filesNeededForRestore(rows: readonly DataLinkRow[]): DataLinkRow[] {
  return rows.filter(
    (r) => r.accessUrl !== undefined && (r.role === DataLinkRole.Auxiliary || r.role === DataLinkRole.RawAsdm),
  );
}
