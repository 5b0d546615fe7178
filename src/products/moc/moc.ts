/**
 * IVOA MOC 2.0 (Multi-Order Coverage map), space dimension: a set of HEALPix NESTED cells
 * of mixed orders up to a maximum order, and its ASCII serialisation (section 4.3.4 of
 * the Recommendation): `order/ipix ipix-ipix ... order/...`, ending with `maxorder/` when
 * the deepest order holds no cell.
 *
 * A MOC is kept normalised: no cell twice, no cell inside another, no four siblings that
 * could be their parent; cells sorted by order, then index. Two normalised MOCs of the same
 * coverage are equal cell for cell. Indices are bigint: order 29 goes beyond 2^53.
 */
import { ErrorCode, ReimageError } from "../../domain/index.js";
import { MAX_ORDER, uniq } from "../healpix/healpix.js";

export interface MocCell {
  readonly order: number;
  readonly ipix: bigint;
}

export interface Moc {
  readonly maxOrder: number;
  /** Normalised, sorted by order then index. */
  readonly cells: readonly MocCell[];
}

function badMoc(message: string): ReimageError {
  return new ReimageError(ErrorCode.BadInput, `MOC: ${message}`);
}

function checkOrder(order: number): void {
  if (!Number.isInteger(order) || order < 0 || order > MAX_ORDER) throw badMoc(`order ${order} is not in 0..${MAX_ORDER}`);
}

const DEPTH = BigInt(MAX_ORDER);

/** The cell as a half-open range of order-29 indices. */
function toRange(cell: MocCell): [bigint, bigint] {
  const shift = 2n * (DEPTH - BigInt(cell.order));
  return [cell.ipix << shift, (cell.ipix + 1n) << shift];
}

/** Sorted, merged ranges of order-29 indices covered by the cells. */
export function mocRanges(cells: Iterable<MocCell>): [bigint, bigint][] {
  return mergeRanges([...cells].map(toRange));
}

function mergeRanges(unsorted: [bigint, bigint][]): [bigint, bigint][] {
  const ranges = unsorted.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const merged: [bigint, bigint][] = [];
  for (const range of ranges) {
    const last = merged[merged.length - 1];
    if (last !== undefined && range[0] <= last[1]) {
      if (range[1] > last[1]) last[1] = range[1];
    } else merged.push([range[0], range[1]]);
  }
  return merged;
}

/** The largest aligned cells (order <= maxOrder) that tile each range. */
function cellsOfRanges(ranges: readonly [bigint, bigint][], maxOrder: number): MocCell[] {
  const cells: MocCell[] = [];
  const minShift = 2n * (DEPTH - BigInt(maxOrder));
  for (const [start, end] of ranges) {
    let at = start;
    while (at < end) {
      let order = 0;
      // Coarsest order whose cell starts at `at` and fits before `end`.
      for (; order < maxOrder; order += 1) {
        const size = 1n << (2n * (DEPTH - BigInt(order)));
        if (at % size === 0n && at + size <= end) break;
      }
      const shift = 2n * (DEPTH - BigInt(order));
      if (order === maxOrder && at % (1n << minShift) !== 0n) throw badMoc(`range start ${at} is not aligned to order ${maxOrder}`);
      cells.push({ order, ipix: at >> shift });
      at += 1n << shift;
    }
  }
  return cells.sort((a, b) => a.order - b.order || (a.ipix < b.ipix ? -1 : a.ipix > b.ipix ? 1 : 0));
}

/** A normalised MOC of the given cells (any orders up to maxOrder, overlaps allowed). */
export function normalizeMoc(maxOrder: number, cells: Iterable<MocCell>): Moc {
  checkOrder(maxOrder);
  const list = [...cells];
  for (const cell of list) {
    checkOrder(cell.order);
    if (cell.order > maxOrder) throw badMoc(`cell ${cell.order}/${cell.ipix} is deeper than the MOC's order ${maxOrder}`);
    if (cell.ipix < 0n || cell.ipix >= 12n << BigInt(2 * cell.order)) throw badMoc(`cell ${cell.order}/${cell.ipix} does not exist`);
  }
  return { maxOrder, cells: cellsOfRanges(mocRanges(list), maxOrder) };
}

/** Cells covered at the MOC's maximum order (4^(max - order) per cell). */
export function mocCellCountAtMaxOrder(moc: Moc): bigint {
  return moc.cells.reduce((sum, c) => sum + (1n << BigInt(2 * (moc.maxOrder - c.order))), 0n);
}

/** Fraction of the sky covered. */
export function mocSkyFraction(moc: Moc): number {
  return moc.cells.reduce((sum, c) => sum + 1 / (12 * 4 ** c.order), 0);
}

/** NUNIQ values of the cells, ascending. */
export function mocUniq(moc: Moc): bigint[] {
  return moc.cells.map((c) => uniq(c.order, c.ipix)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** The ASCII serialisation: orders ascending, runs of consecutive indices as `a-b`. */
export function formatMocAscii(moc: Moc): string {
  const groups = new Map<number, string[]>();
  let runStart = -1n;
  let runEnd = -1n;
  let runOrder = -1;
  const flush = (): void => {
    if (runOrder < 0) return;
    const runs = groups.get(runOrder) ?? [];
    runs.push(runStart === runEnd ? `${runStart}` : `${runStart}-${runEnd}`);
    groups.set(runOrder, runs);
  };
  for (const cell of moc.cells) {
    if (cell.order === runOrder && cell.ipix === runEnd + 1n) {
      runEnd = cell.ipix;
      continue;
    }
    flush();
    runOrder = cell.order;
    runStart = cell.ipix;
    runEnd = cell.ipix;
  }
  flush();
  const parts = [...groups].map(([order, runs]) => `${order}/${runs.join(" ")}`);
  if (!groups.has(moc.maxOrder)) parts.push(`${moc.maxOrder}/`);
  return parts.join(" ");
}

/** Reads the ASCII serialisation (commas of MOC 1.x accepted as separators). */
export function parseMocAscii(text: string): Moc {
  const ranges: [bigint, bigint][] = [];
  let order: number | undefined;
  let maxOrder = 0;
  const tokens = text.trim().split(/[\s,]+/).filter((t) => t !== "");
  for (const token of tokens) {
    const match = /^(?:(\d+)\/)?(?:(\d+)(?:-(\d+))?)?$/.exec(token);
    if (match === null || (match[1] === undefined && match[2] === undefined)) throw badMoc(`cannot read ${JSON.stringify(token)} in ${JSON.stringify(text.slice(0, 80))}`);
    if (match[1] !== undefined) {
      order = Number(match[1]);
      checkOrder(order);
      maxOrder = Math.max(maxOrder, order);
    }
    if (match[2] === undefined) continue;
    if (order === undefined) throw badMoc(`index ${token} comes before any order`);
    const first = BigInt(match[2]);
    const last = match[3] === undefined ? first : BigInt(match[3]);
    if (last < first) throw badMoc(`range ${token} runs backwards`);
    if (last >= 12n << BigInt(2 * order)) throw badMoc(`cell ${order}/${last} does not exist`);
    const shift = 2n * (DEPTH - BigInt(order));
    ranges.push([first << shift, (last + 1n) << shift]);
  }
  return { maxOrder, cells: cellsOfRanges(mergeRanges(ranges), maxOrder) };
}
