/**
 * numpy's answers for the statistics tests (statistics_reference.py beside this file's
 * source), in one Python process for a list of requests.
 */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { ErrorCode, ReimageError } from "../../src/domain/index.js";
import { ensureReferencePython } from "./ensure-reference-python.js";

export const STATISTICS_HELPER = fileURLToPath(new URL("../../../test/reference/statistics_reference.py", import.meta.url));

export interface ReferenceRobust {
  readonly count: number;
  readonly min?: number;
  readonly max?: number;
  readonly maxIndex?: number;
  readonly mean?: number;
  readonly std?: number;
  readonly median?: number;
  readonly mad?: number;
  readonly rmsMad?: number;
  readonly rmsClipped?: number | null;
  readonly clipRounds?: number;
  readonly clippedCount?: number;
}

export interface ReferenceFits {
  readonly dtype: string;
  readonly shape: number[];
  readonly image: ReferenceRobust;
  readonly planes: ReferenceRobust[];
}

export type StatisticsRequest = { readonly raw: string; readonly dtype: "float32" | "float64" } | { readonly fits: string; readonly hdu?: number };

export async function askNumpy<T = ReferenceRobust | ReferenceFits>(requests: readonly StatisticsRequest[]): Promise<T[]> {
  const python = await ensureReferencePython();
  const out = await new Promise<string>((resolve, reject) => {
    const child = execFile(python, [STATISTICS_HELPER], { shell: false, timeout: 10 * 60 * 1000, maxBuffer: 256 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error !== null) reject(new ReimageError(ErrorCode.ProcessFailed, `${STATISTICS_HELPER} failed: ${stderr.slice(-2000)}`, { cause: error }));
      else resolve(stdout);
    });
    child.stdin?.end(JSON.stringify({ requests }));
  });
  return (JSON.parse(out) as { answers: T[] }).answers;
}
