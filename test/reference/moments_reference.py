"""Reference moment maps with astropy and numpy, as the analysis defines them.

Usage: python moments_reference.py CUBE FIRST LAST THRESHOLD RESTFREQ_HZ OUTDIR
Channels FIRST..LAST (0-based, inclusive) of the Stokes I plane; pixels below THRESHOLD
are left out; velocities are radio velocities (km/s) of astropy's channel frequencies
against RESTFREQ_HZ. Writes OUTDIR/mom0.fits, mom1.fits, mom2.fits (NaN where no channel
counts) in float64.
"""
import os
import sys

import numpy as np
from astropy.io import fits
from astropy.wcs import WCS

cube, first, last, threshold, rest, outdir = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5]), sys.argv[6]
with fits.open(cube) as hdus:
    header = hdus[0].header
    data = np.asarray(hdus[0].data, dtype=np.float64)
while data.ndim > 3:
    data = data[0]
spectral = WCS(header).spectral
freqs = spectral.pixel_to_world(np.arange(first, last + 1)).to_value("Hz")
c = 299792.458
v = c * (1 - freqs / rest)
dv = abs(v[1] - v[0]) if len(v) > 1 else c * abs(header["CDELT3"]) / rest
planes = data[first:last + 1]
use = np.isfinite(planes) & (planes >= threshold)
weights = np.where(use, planes, 0.0)
s0 = weights.sum(axis=0)
counted = use.any(axis=0)
with np.errstate(invalid="ignore", divide="ignore"):
    m0 = np.where(counted, s0 * dv, np.nan)
    m1 = np.where(counted, (weights * v[:, None, None]).sum(axis=0) / s0, np.nan)
    m2 = np.where(counted, np.sqrt(np.maximum(0.0, (weights * (v[:, None, None] - m1) ** 2).sum(axis=0) / s0)), np.nan)
for name, image in (("mom0", m0), ("mom1", m1), ("mom2", m2)):
    fits.PrimaryHDU(image).writeto(os.path.join(outdir, f"{name}.fits"), overwrite=True)
print(dv)
