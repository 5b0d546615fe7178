/**
 * casadata's copy of Splatalogue (an SQLite file, `splatalogue.db`, ~300 MB, ~940 000
 * transitions from CDMS, JPL, Lovas/NIST, SLAIM and recombination lists) read as the line
 * catalogue the analysis asks. Read-only; the file is CASA's, never written.
 *
 * Its tables: `main` (one row per transition: `orderedfreq` in MHz, `resolved_QNs`,
 * `upper_state_energy_K`, `obsintensity_Lovas_NIST` as text 'NULL' when absent, `ll_id`
 * the line list) and `species` (names and flags: `extragalactic`, `Top20`,
 * `known_ast_molecules`). Only species flagged as seen in space are returned: the rest are
 * laboratory lines no survey cube will show.
 */
import { existsSync } from "node:fs";
import BetterSqlite3 from "better-sqlite3";
import { ErrorCode, ReimageError } from "../domain/errors.js";
import type { LineCatalogue, Transition } from "../analysis/line-identification.js";

/** Splatalogue's number of the recombination line list. */
const RECOMBINATION_LIST = 15;

interface Row {
  freq: number;
  species: string;
  chemical: string | null;
  qns: string | null;
  eup: number | string | null;
  lovas: number | string | null;
  list: number;
  top20: number | string | null;
  extragalactic: number | string | null;
  known: number | string | null;
}

const QUERY = `
  SELECT m.orderedfreq AS freq, s.s_name AS species, s.chemical_name AS chemical, m.resolved_QNs AS qns,
         m.upper_state_energy_K AS eup, m.obsintensity_Lovas_NIST AS lovas, m.ll_id AS list,
         s.Top20 AS top20, s.extragalactic AS extragalactic, s.known_ast_molecules AS known
  FROM main m JOIN species s ON s.species_id = m.species_id
  WHERE m.orderedfreq BETWEEN ? AND ?
    AND (s.extragalactic = 1 OR s.Top20 = 1 OR s.known_ast_molecules = 1)`;

function flag(value: number | string | null): boolean {
  return value === 1 || value === "1";
}

function numberOrUndefined(value: number | string | null): number | undefined {
  if (typeof value === "number") return value;
  if (typeof value === "string" && value !== "NULL" && value.trim() !== "" && Number.isFinite(Number(value))) return Number(value);
  return undefined;
}

/** Lovas's observed intensity: a number, sometimes with a flag letter or an upper limit ('<0.3b'); flags alone count as 0. */
function lovasIntensity(value: number | string | null): number | undefined {
  if (typeof value === "number") return value;
  if (value === null || value === "NULL") return undefined;
  const match = /[0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?/.exec(value);
  return match === null ? 0 : Number(match[0]);
}

/** Strips Splatalogue's HTML markup from quantum numbers (`<i>l</i>`, `&Omega;`). */
function plain(text: string | null): string {
  return (text ?? "")
    .replace(/<[^>]+>/g, "")
    .replace(/&([A-Za-z]+);?/g, "$1")
    .replace(/\s+/g, " ")
    .trim();
}

export interface SplatalogueCatalogue extends LineCatalogue {
  readonly path: string;
  close(): void;
}

export function openSplatalogue(path: string): SplatalogueCatalogue {
  if (!existsSync(path)) throw new ReimageError(ErrorCode.BadInput, `${path}: no Splatalogue database there (casadata ships it as ephemerides/splatalogue.db)`);
  let db: BetterSqlite3.Database;
  try {
    db = new BetterSqlite3(path, { readonly: true, fileMustExist: true });
  } catch (caught) {
    throw new ReimageError(ErrorCode.BadInput, `${path}: cannot open the Splatalogue database`, { cause: caught });
  }
  const statement = db.prepare<[number, number], Row>(QUERY);
  return {
    path,
    transitions(minHz: number, maxHz: number): readonly Transition[] {
      let rows: Row[];
      try {
        rows = statement.all(minHz / 1e6, maxHz / 1e6);
      } catch (caught) {
        throw new ReimageError(ErrorCode.BadInput, `${path}: the Splatalogue query for ${minHz / 1e9}-${maxHz / 1e9} GHz failed`, { cause: caught });
      }
      return rows.map((r) => ({
        species: r.species.trim(),
        chemicalName: (r.chemical ?? "").trim(),
        quantumNumbers: plain(r.qns),
        restFrequency: r.freq * 1e6,
        upperEnergyK: numberOrUndefined(r.eup),
        extragalactic: flag(r.extragalactic),
        top20: flag(r.top20),
        knownInSpace: flag(r.known),
        lovasIntensity: lovasIntensity(r.lovas),
        recombination: r.list === RECOMBINATION_LIST,
        lineList: r.list,
      }));
    },
    close(): void {
      db.close();
    },
  };
}
