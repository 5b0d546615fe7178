"""The two helpers of CASA's `recipes.almahelpers` that delivered calibration scripts call.

Modular CASA 6 has no `recipes` package, so `from recipes.almahelpers import
fixsyscaltimes` stops a Cycle 1-5 calibration script. These are reimage's implementations
of the documented behaviour (the docstrings of the CASA 4/5 originals), written on
casatools only:

- fixsyscaltimes(vis, newinterval=2.0): where one Tsys measurement has different TIME
  values over antennas, give all its rows the common TIME mean(TIME - INTERVAL/2) +
  newinterval/2 and INTERVAL newinterval, as gencal(caltype='tsys') expects; a table
  without such measurements is left untouched.
- tsysspwmap(vis, tsystable, trim=True, relax=False, tsysChanTol=1): the spwmap for
  applycal that maps every spectral window to the Tsys window whose frequency range covers
  it (same baseband preferred), itself when none does.
"""
import os

import numpy as np
import casatools


def fixsyscaltimes(vis, newinterval=2.0):
    if not os.path.isdir(os.path.join(vis, "SYSCAL")):
        print("fixsyscaltimes: %s has no SYSCAL table: nothing to fix" % vis)
        return
    tb = casatools.table()
    tb.open(vis + "/SYSCAL", nomodify=False)
    try:
        if tb.nrows() == 0:
            print("fixsyscaltimes: %s has an empty SYSCAL table" % vis)
            return
        time = tb.getcol("TIME")
        interval = tb.getcol("INTERVAL")
        spw = tb.getcol("SPECTRAL_WINDOW_ID")
        start = np.floor(time - interval / 2.0)
        changed = 0
        for s in np.unique(spw):
            for t0 in np.unique(start[spw == s]):
                rows = np.where((spw == s) & (start == t0))[0]
                if len(np.unique(time[rows])) > 1:
                    common = np.mean(time[rows] - interval[rows] / 2.0) + newinterval / 2.0
                    time[rows] = common
                    interval[rows] = newinterval
                    changed += len(rows)
        if changed:
            tb.putcol("TIME", time)
            tb.putcol("INTERVAL", interval)
        print("fixsyscaltimes: %d SYSCAL rows of %s given a common time" % (changed, vis))
    finally:
        tb.close()


def _ranges(tb, path):
    tb.open(path)
    try:
        out = []
        for i in range(tb.nrows()):
            freqs = tb.getcell("CHAN_FREQ", i)
            widths = np.abs(tb.getcell("CHAN_WIDTH", i))
            bbc = tb.getcell("BBC_NO", i) if "BBC_NO" in tb.colnames() else -1
            out.append((float(np.min(freqs)), float(np.max(freqs)), float(np.median(widths)), int(bbc), len(freqs)))
        return out
    finally:
        tb.close()


def tsysspwmap(vis, tsystable, trim=True, relax=False, tsysChanTol=1):
    tb = casatools.table()
    tb.open(tsystable)
    try:
        tsys_spws = sorted(set(int(s) for s in tb.getcol("SPECTRAL_WINDOW_ID")))
    finally:
        tb.close()
    windows = _ranges(tb, vis + "/SPECTRAL_WINDOW")
    spwmap = []
    for i, (lo, hi, _w, bbc, _n) in enumerate(windows):
        use = None
        for t in tsys_spws:
            tlo, thi, tw, tbbc, _tn = windows[t]
            covers = (relax and (lo <= thi and hi >= tlo)) or (lo >= tlo - tsysChanTol * tw and hi <= thi + tsysChanTol * tw)
            if covers and (use is None or tbbc == bbc):
                use = t
        spwmap.append(i if use is None else use)
    if trim:
        # Entries past the last window that maps elsewhere change nothing in applycal.
        last = max((i for i, s in enumerate(spwmap) if s != i), default=-1)
        spwmap = spwmap[: last + 1]
    return spwmap
