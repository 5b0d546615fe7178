/** Hand-built metadata for the imaging tests: values a reader can check by eye. */
import type { FieldInfo, MsMetadata, SpwInfo } from "../domain/ms-metadata.js";

const ARCSEC = Math.PI / (180 * 3600);
export const RA0 = 2.7395124;
export const DEC0 = -0.7662674;

export function spw(id: number, centreGHz: number, nchan = 32, widthMHz = 15.625): SpwInfo {
  const centre = centreGHz * 1e9;
  const width = widthMHz * 1e6;
  return {
    id,
    name: `X1#ALMA_RB_03#BB_${id + 1}#SW-01#FULL_RES`,
    centreFreqHz: centre,
    minFreqHz: centre - (nchan * width) / 2,
    maxFreqHz: centre + (nchan * width) / 2,
    bandwidthHz: nchan * width,
    nchan,
    chanWidthHz: width,
    firstChanFreqHz: centre - width * (nchan / 2 - 0.5),
    frame: "TOPO",
  };
}

export function targetField(id: number, name: string, dxArcsec = 0, dyArcsec = 0): FieldInfo {
  return {
    id,
    name,
    raRad: RA0 + (dxArcsec * ARCSEC) / Math.cos(DEC0),
    decRad: DEC0 + dyArcsec * ARCSEC,
    directionFrame: "J2000",
    intents: ["OBSERVE_TARGET#ON_SOURCE"],
  };
}

/** 16 12-m antennas, L75 = 65 m, L80 = 100 m, 600 s on source split evenly among the fields. */
export function msMetadata(overrides: Partial<MsMetadata> = {}): MsMetadata {
  const fields = overrides.fields ?? [targetField(0, "SimTarget")];
  const perField = 600 / fields.length;
  return {
    path: "/data/calibrated/uid___A002_Xb10001_X1a2.ms.split.cal",
    telescope: "ALMA",
    hasCorrectedData: false,
    fields,
    scienceSpws: [spw(0, 100), spw(1, 104)],
    antennas: Array.from({ length: 16 }, (_, i) => ({ id: i, name: `DA${41 + i}`, diameterM: 12 })),
    baselines: {
      count: 120,
      minM: 15,
      maxM: 160,
      percentilesM: { p5: 17, p10: 20, p25: 31, p50: 46, p75: 65, p80: 100, p90: 120, p95: 140 },
    },
    targetRows: 14400,
    integrationTimeS: 10,
    timeOnSourceS: 600,
    timeOnSourcePerFieldS: Object.fromEntries(fields.map((f) => [String(f.id), perField])),
    ...overrides,
  };
}
