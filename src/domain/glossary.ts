/**
 * The words of the domain, in one place.
 *
 * - **Project**: an ALMA proposal, coded `2019.1.01234.S` (year, cycle-free counter, kind).
 * - **MOUS** (member observing unit set, `uid://A001/X123/X45`, in file names
 *   `uid___A001_X123_X45`): the unit reimage processes. It sits in a group OUS inside a
 *   science-goal OUS inside a project, and holds one or more execution blocks.
 * - **Execution block** (EB, `uid___A002_Xabc_X1d2`): one observation, delivered as a raw
 *   ASDM (`<eb>.asdm.sdm`).
 * - **Delivery**: what the archive hands out for a MOUS: `script/`, `calibration/`, `raw/`,
 *   `product/`, READMEs; either a tree on disk or request-handler tar files
 *   (`<project>_<mous>_001_of_001.tar`).
 * - **Restore**: re-creating the calibrated Measurement Set (MS) from the raw ASDMs and the
 *   delivered calibration by running `scriptForPI.py` in the right CASA.
 * - **Runtime**: one CASA installation this machine can run: modular (PyPI casatools and
 *   casatasks in a virtual environment) or monolithic (`.../bin/casa`, maybe with the ALMA
 *   pipeline).
 * - **Campaign**: a set of MOUSs taken through the same recipe.
 * - **Step**: one stage of a MOUS in a campaign (fetch, restore, fix, image, products,
 *   analyse); idempotent, with inputs, outputs and a log.
 * - **Attempt**: one execution of a step; a step that is retried has several.
 * - **Product**: a file a step made that users want (FITS image, preview, footprint, ...).
 */

/** `uid://A001/X123/X45` as the archive writes it. */
export type MousUid = string & { readonly __brand: "MousUid" };
/** `uid___A001_X123_X45`: the same identifier as file names carry it. */
export type MousFileId = string & { readonly __brand: "MousFileId" };

const UID_PATTERN = /^uid:\/\/(A\d{3})\/(X[0-9a-fA-F]+)\/(X[0-9a-fA-F]+)$/;
const FILE_ID_PATTERN = /^uid___(A\d{3})_(X[0-9a-fA-F]+)_(X[0-9a-fA-F]+)$/;

/** Parses either spelling of an ALMA uid; returns undefined when it is neither. */
export function parseUid(text: string): { uid: MousUid; fileId: MousFileId } | undefined {
  const m = UID_PATTERN.exec(text) ?? FILE_ID_PATTERN.exec(text);
  if (!m) return undefined;
  const [, a, b, c] = m as unknown as [string, string, string, string];
  return {
    uid: `uid://${a}/${b}/${c}` as MousUid,
    fileId: `uid___${a}_${b}_${c}` as MousFileId,
  };
}

/** ALMA's cycle from the project code's year (`2013.1.00123.S` is Cycle 2). */
export function cycleOfProject(projectCode: string): number | undefined {
  const m = /^(\d{4})\.[A-Z0-9]\.\d{5}\.[A-Z]$/.exec(projectCode);
  if (!m) return undefined;
  const year = Number(m[1]);
  // 2014 and 2020 have no proposal cycle of their own (cycle length changes, the pandemic).
  const table: Record<number, number> = {
    2011: 0, 2012: 1, 2013: 2, 2015: 3, 2016: 4, 2017: 5, 2018: 6, 2019: 7,
    2021: 8, 2022: 9, 2023: 10, 2024: 11, 2025: 12,
  };
  return table[year];
}
