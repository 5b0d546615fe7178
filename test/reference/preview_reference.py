"""Reference answers for reimage's preview tests, from numpy and astropy.

Reads {"file": path} on stdin; prints, for the Stokes-I (first Stokes) cube of the primary HDU:
  shape          numpy shape of the cube (channels, ny, nx)
  peak           {"x", "y", "channel", "value"} of np.nanargmax over the whole cube
  peakMap        {"x", "y"} of np.nanargmax of np.nanmax(cube, axis=0)
  spectrum       cube[:, y, x] at the peak
  frequencies    astropy's spectral world value of every channel, Hz (FREQ axes only, else null)
  header         BMAJ, BMIN, BPA, CDELT1, CDELT2 as written
  blank          the number of all-NaN pixels of the peak map
NaN is printed as null.
"""

import json
import math
import sys
import warnings

import numpy as np
from astropy.io import fits
from astropy.wcs import WCS, FITSFixedWarning

warnings.simplefilter("ignore", FITSFixedWarning)
warnings.simplefilter("ignore", RuntimeWarning)


def clean(v):
    if isinstance(v, (list, tuple)):
        return [clean(x) for x in v]
    if isinstance(v, (float, np.floating)):
        f = float(v)
        return f if math.isfinite(f) else None
    if isinstance(v, np.integer):
        return int(v)
    return v


request = json.load(sys.stdin)
with fits.open(request["file"]) as hdul:
    header = hdul[0].header
    data = np.asarray(hdul[0].data, dtype=np.float64)
while data.ndim > 3:
    data = data[0]
if data.ndim == 2:
    data = data[np.newaxis]
channel, y, x = np.unravel_index(np.nanargmax(data), data.shape)
peak_map = np.nanmax(data, axis=0)
my, mx = np.unravel_index(np.nanargmax(peak_map), peak_map.shape)
frequencies = None
wcs = WCS(header)
if header.get("CTYPE3", "").startswith("FREQ"):
    n = data.shape[0]
    pixels = np.zeros((n, wcs.naxis))
    pixels[:, 2] = np.arange(n)
    frequencies = wcs.wcs_pix2world(pixels, 0)[:, 2].tolist()
print(json.dumps({
    "shape": list(data.shape),
    "peak": {"x": int(x), "y": int(y), "channel": int(channel), "value": clean(data[channel, y, x])},
    "peakMap": {"x": int(mx), "y": int(my)},
    "spectrum": clean(data[:, y, x].tolist()),
    "frequencies": clean(frequencies) if frequencies is not None else None,
    "header": {k: clean(header.get(k)) for k in ("BMAJ", "BMIN", "BPA", "CDELT1", "CDELT2")},
    "blank": int(np.isnan(peak_map).sum()),
}))
