"""Moment 0, 1 and 2 of a FITS cube with CASA's immoments, written as FITS.

Usage: python immoments.py CUBE CHANS THRESHOLD OUTDIR
Each moment goes to OUTDIR/mom{0,1,2}.fits (pixels immoments masks are NaN there).
"""
import os
import sys

from casatasks import exportfits, immoments

cube, chans, threshold, outdir = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4]
for m in (0, 1, 2):
    image = os.path.join(outdir, f"mom{m}.im")
    immoments(imagename=cube, moments=[m], chans=chans, includepix=[threshold, 1e30], outfile=image)
    exportfits(imagename=image, fitsimage=os.path.join(outdir, f"mom{m}.fits"), overwrite=True, dropdeg=True)
print("done")
