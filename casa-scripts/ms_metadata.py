"""Writes what an imaging plan needs to know about measurement sets, as JSON.

Usage (CASA's Python, CASASITECONFIG set):
    python ms_metadata.py OUT.json MS [MS ...]

The JSON matches MsMetadataFileSchema in src/domain/ms-metadata.ts:
    {"version": 1, "casaVersion": "...", "measurementSets": [ {...}, ... ]}
Only casatools is used (msmetadata and table tools), read-only. Any failure is raised: a
caller sees a non-zero exit and the traceback on stderr.
"""
import json
import os
import sys

import numpy as np
import casatools

TARGET_INTENT = "OBSERVE_TARGET*"
# Spectral windows that carry no science: channel averages, WVR and square-law detectors.
NON_SCIENCE_NAME_PARTS = ("CH_AVG", "WVR", "SQLD")
FREQ_FRAMES = {0: "REST", 1: "LSRK", 2: "LSRD", 3: "BARY", 4: "GEO", 5: "TOPO", 6: "GALACTO", 7: "LGROUP", 8: "CMB"}
PERCENTILES = (5, 10, 25, 50, 75, 80, 90, 95)


def casa_version():
    try:
        return casatools.version_string()
    except Exception:  # noqa: BLE001 - a missing version is not worth failing the metadata for
        return None


def science_spws(msmd, tb, ms):
    target_spws = set(int(s) for s in msmd.spwsforintent(TARGET_INTENT))
    tb.open(ms + "/SPECTRAL_WINDOW")
    try:
        names = tb.getcol("NAME")
        ref = tb.getcol("MEAS_FREQ_REF")
        out = []
        for spw in sorted(target_spws):
            name = str(names[spw])
            nchan = int(msmd.nchan(spw))
            if nchan <= 4 or any(p in name for p in NON_SCIENCE_NAME_PARTS):
                continue
            freqs = np.asarray(msmd.chanfreqs(spw), dtype=float)
            widths = np.abs(np.asarray(msmd.chanwidths(spw), dtype=float))
            out.append({
                "id": spw,
                "name": name,
                "centreFreqHz": float((freqs.min() + freqs.max()) / 2.0),
                "minFreqHz": float(freqs.min() - widths[np.argmin(freqs)] / 2.0),
                "maxFreqHz": float(freqs.max() + widths[np.argmax(freqs)] / 2.0),
                "bandwidthHz": float(msmd.bandwidths(spw)),
                "nchan": nchan,
                "chanWidthHz": float(np.median(widths)),
                "firstChanFreqHz": float(freqs[0]),
                "frame": FREQ_FRAMES.get(int(ref[spw]), "UNKNOWN"),
            })
        return out
    finally:
        tb.close()


def fields(msmd):
    out = []
    for fid in range(msmd.nfields()):
        pc = msmd.phasecenter(fid)
        out.append({
            "id": fid,
            "name": str(msmd.namesforfields(fid)[0]),
            "raRad": float(pc["m0"]["value"]),
            "decRad": float(pc["m1"]["value"]),
            "directionFrame": str(pc["refer"]),
            "intents": sorted(str(i) for i in msmd.intentsforfield(fid)),
        })
    return out


def antennas_and_baselines(msmd, tb, ms):
    tb.open(ms + "/ANTENNA")
    try:
        pos = tb.getcol("POSITION").T  # ITRF metres, one row per antenna
        diam = tb.getcol("DISH_DIAMETER")
        names = tb.getcol("NAME")
        flagged = tb.getcol("FLAG_ROW")
    finally:
        tb.close()
    used = set(int(a) for a in msmd.antennaids()) if msmd.nantennas() > 0 else set(range(len(names)))
    ants = [{"id": i, "name": str(names[i]), "diameterM": float(diam[i])}
            for i in range(len(names)) if i in used and not flagged[i]]
    ids = [a["id"] for a in ants]
    lengths = [float(np.linalg.norm(pos[i] - pos[j])) for k, i in enumerate(ids) for j in ids[k + 1:]]
    if not lengths:
        return ants, None
    arr = np.array(lengths)
    return ants, {
        "count": int(arr.size),
        "minM": float(arr.min()),
        "maxM": float(arr.max()),
        "percentilesM": {"p%d" % p: float(np.percentile(arr, p)) for p in PERCENTILES},
    }


def target_rows_and_times(msmd, tb, ms, target_field_ids):
    if not target_field_ids:
        return 0, None, 0.0, {}
    scans = sorted(int(s) for s in msmd.scansforintent(TARGET_INTENT))
    if not scans:
        return 0, None, 0.0, {}
    tb.open(ms)
    try:
        sub = tb.query("SCAN_NUMBER IN [%s] && FIELD_ID IN [%s] && ANTENNA1 != ANTENNA2"
                       % (",".join(map(str, scans)), ",".join(map(str, target_field_ids))),
                       columns="TIME,INTERVAL,FIELD_ID")
        try:
            nrows = int(sub.nrows())
            if nrows == 0:
                return 0, None, 0.0, {}
            time = sub.getcol("TIME")
            interval = sub.getcol("INTERVAL")
            field = sub.getcol("FIELD_ID")
        finally:
            sub.close()
    finally:
        tb.close()
    integration = float(np.median(interval))
    per_field = {}
    for fid in sorted(set(int(f) for f in field)):
        # Spws observed at once share time stamps: count each stamp once.
        stamps = np.unique(np.round(time[field == fid], 3))
        per_field[str(fid)] = float(stamps.size * integration)
    return nrows, integration, float(sum(per_field.values())), per_field


def has_column(tb, ms, name):
    tb.open(ms)
    try:
        return name in tb.colnames()
    finally:
        tb.close()


def describe(ms):
    msmd = casatools.msmetadata()
    tb = casatools.table()
    msmd.open(ms)
    try:
        fs = fields(msmd)
        target_ids = sorted(f["id"] for f in fs if any(i.startswith("OBSERVE_TARGET") for i in f["intents"]))
        spws = science_spws(msmd, tb, ms)
        ants, baselines = antennas_and_baselines(msmd, tb, ms)
        nrows, integration, on_source, per_field = target_rows_and_times(msmd, tb, ms, target_ids)
        observatory = str(msmd.observatorynames()[0]) if len(msmd.observatorynames()) else "UNKNOWN"
    finally:
        msmd.close()
    return {
        "path": os.path.abspath(ms),
        "telescope": observatory,
        "hasCorrectedData": has_column(tb, ms, "CORRECTED_DATA"),
        "fields": fs,
        "scienceSpws": spws,
        "antennas": ants,
        "baselines": baselines,
        "targetRows": nrows,
        "integrationTimeS": integration,
        "timeOnSourceS": on_source,
        "timeOnSourcePerFieldS": per_field,
    }


def main(argv):
    if len(argv) < 3:
        sys.stderr.write(__doc__)
        return 2
    out, mss = argv[1], argv[2:]
    result = {"version": 1, "casaVersion": casa_version(), "measurementSets": [describe(ms) for ms in mss]}
    with open(out, "w") as f:
        json.dump(result, f, indent=1, allow_nan=False)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
