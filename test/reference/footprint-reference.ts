/**
 * Reference answers for HEALPix, footprints and MOCs, from astropy-healpix, astropy and
 * mocpy in the reference venv (see footprint_reference.py for what each request returns).
 */
import { fileURLToPath } from "node:url";
import { ensureReferencePython, run } from "./ensure-reference-python.js";

const HELPER = fileURLToPath(new URL("../../../test/reference/footprint_reference.py", import.meta.url));

export type FootprintRequest =
  | { readonly healpix: { readonly order: number; readonly lonlat: readonly (readonly [number, number])[] } }
  | { readonly points: { readonly order: number; readonly ipix: readonly string[]; readonly dx: readonly number[]; readonly dy: readonly number[] } }
  | { readonly corners: { readonly order: number; readonly ipix: readonly string[] } }
  | {
      readonly outline: {
        readonly file: string;
        readonly hdu?: number;
        readonly pbLimit?: number;
        readonly vertices?: readonly (readonly [number, number])[];
        readonly order?: number;
      };
    }
  | {
      readonly polygons: {
        readonly order: number;
        readonly polygons: readonly (readonly (readonly [number, number])[])[];
        readonly holes?: readonly (readonly (readonly [number, number])[])[];
      };
    }
  | { readonly read: { readonly fits: string } | { readonly ascii: string } };

export interface FootprintAnswer {
  readonly ipix?: string[];
  readonly lonlat?: [number, number][];
  readonly corners?: [number, number][][];
  readonly validCount?: number;
  readonly boundary?: [number, number][];
  readonly shape?: [number, number];
  readonly vertexPixels?: [number, number][];
  readonly pixelArea?: number;
  readonly pixelMoc?: string;
  readonly moc?: string;
  readonly maxOrder?: number;
  readonly header?: Record<string, string | number | boolean>;
}

/** Asks the reference tools, in one Python process, for the answers to several requests. */
export async function askFootprintReference(requests: readonly FootprintRequest[]): Promise<FootprintAnswer[]> {
  const python = await ensureReferencePython();
  const out = await run(python, [HELPER], JSON.stringify({ requests }), 10 * 60 * 1000);
  return (JSON.parse(out) as { answers: FootprintAnswer[] }).answers;
}
