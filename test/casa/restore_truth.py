"""Measures a restored (calibrated) MS for the tests, without judging it.

Usage: python restore_truth.py CALIBRATED_MS CALTABLE_PREFIX SPW
Prints JSON: the calibrator's and the target's vector-averaged visibilities (overall and
per antenna, in the given spw), with their thermal uncertainty from the scatter, and the
gain solutions the restore found (amplitude and phase per antenna). The test compares
these with the truth the simulator recorded.
"""
import json
import sys

import numpy as np
import casatools

ms, prefix, spw = sys.argv[1], sys.argv[2], int(sys.argv[3])
tb = casatools.table()

tb.open(ms + "/FIELD")
names = list(tb.getcol("NAME"))
tb.close()
tb.open(ms + "/ANTENNA")
antennas = list(tb.getcol("NAME"))
tb.close()


def summarise(rows):
    data, flag = rows.getcol("DATA"), rows.getcol("FLAG")
    a1, a2 = rows.getcol("ANTENNA1"), rows.getcol("ANTENNA2")
    good = ~flag
    def stats(mask):
        sel = data[:, :, mask][good[:, :, mask]]
        if sel.size == 0:
            return None
        mean = sel.mean()
        # Uncertainty of the mean of complex samples from their own scatter.
        err = np.sqrt(np.var(sel.real) / sel.size)
        return {"amp": float(abs(mean)), "phase_deg": float(np.degrees(np.angle(mean))), "amp_err": float(err), "n": int(sel.size)}
    per_antenna = {antennas[a]: stats((a1 == a) | (a2 == a)) for a in range(len(antennas))}
    return {"all": stats(np.ones(len(a1), dtype=bool)), "per_antenna": per_antenna}


out = {"fields": names, "antennas": antennas}
tb.open(ms)
for role, name in (("calibrator", names[0]), ("target", names[1] if len(names) > 1 else None)):
    if name is None:
        out[role] = None
        continue
    ids = [i for i, n in enumerate(names) if n == name]
    rows = tb.query("FIELD_ID IN [%s] && DATA_DESC_ID == %d" % (",".join(map(str, ids)), spw))
    out[role] = summarise(rows) if rows.nrows() > 0 else None
    rows.close()
tb.close()

gains = {}
for kind in ("ampli_inf", "phase_inf"):
    tb.open(prefix + "." + kind)
    ant = tb.getcol("ANTENNA1")
    cp = tb.getcol("CPARAM")
    fl = tb.getcol("FLAG")
    spws = tb.getcol("SPECTRAL_WINDOW_ID")
    tb.close()
    sel = spws == spw
    vals = {}
    for a in np.unique(ant[sel]):
        m = sel & (ant == a)
        c = cp[0, 0, m][~fl[0, 0, m]]
        vals[antennas[a]] = {"amp": float(np.abs(c).mean()), "phase_deg": float(np.degrees(np.angle(c.mean())))}
    gains[kind] = vals
out["gains"] = gains
print(json.dumps(out))
