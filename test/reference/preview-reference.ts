/**
 * What numpy and astropy say about an image, for the preview tests: the peak of the cube,
 * the spectrum there, the channel frequencies, the beam and pixel size as written.
 */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { ErrorCode, ReimageError } from "../../src/domain/index.js";
import { ensureReferencePython } from "./ensure-reference-python.js";

const SCRIPT = fileURLToPath(new URL("../../../test/reference/preview_reference.py", import.meta.url));

export interface PreviewReference {
  readonly shape: [number, number, number];
  readonly peak: { x: number; y: number; channel: number; value: number };
  readonly peakMap: { x: number; y: number };
  readonly spectrum: (number | null)[];
  readonly frequencies: number[] | null;
  readonly header: { BMAJ: number | null; BMIN: number | null; BPA: number | null; CDELT1: number | null; CDELT2: number | null };
  readonly blank: number;
}

export async function previewReference(file: string): Promise<PreviewReference> {
  const python = await ensureReferencePython();
  const out = await new Promise<string>((resolve, reject) => {
    const child = execFile(python, [SCRIPT], { shell: false, timeout: 120_000, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error !== null) reject(new ReimageError(ErrorCode.ProcessFailed, `${SCRIPT} on ${file} failed: ${stderr.slice(-2000)}`, { cause: error }));
      else resolve(stdout);
    });
    child.stdin?.end(JSON.stringify({ file }));
  });
  return JSON.parse(out) as PreviewReference;
}
