"""Measures demo products with CASA's image tool, for the tests (no judging here).

Usage: python measure_products.py PRODUCTS_DIR PREFIX TRUTH_JSON
Prints JSON with, for the continuum image: the peak and its world position, and a
Gaussian fit's integrated flux (imfit) at the simulated source; for each cube: the spectrum
at the source position (LSRK frequencies), and for the line-free channels of the
continuum-subtracted cube the mean and standard deviation at the source against the rms
of the cube away from the source.
"""
import gzip
import json
import os
import shutil
import sys
import tempfile

import numpy as np
import casatools
import casatasks

products, prefix, truth_file = sys.argv[1], sys.argv[2], sys.argv[3]
truth = json.load(open(truth_file))
tmp = tempfile.mkdtemp(prefix="reimage-measure-")
ia = casatools.image()
qa = casatools.quanta()


def open_fits(name):
    """The gzipped product `name`.gz, unpacked to a temporary FITS file CASA can open."""
    src = os.path.join(products, name + ".gz")
    dst = os.path.join(tmp, name)
    with gzip.open(src, "rb") as f, open(dst, "wb") as g:
        shutil.copyfileobj(f, g)
    return dst


def source_pixel(cs):
    """The pixel of the simulated position: the reference world point with RA/Dec replaced."""
    world = list(cs.referencevalue()["numeric"])
    world[0], world[1] = ra, dec
    return cs.topixel(world)["numeric"]


def beam_arcsec(image):
    """The restoring beam (major, minor FWHM); a cube's common beam, or its middle channel's."""
    info = image.restoringbeam()
    if "beams" in info:
        beams = info["beams"]
        info = beams["*%d" % (len(beams) // 2)]["*0"]
    return [float(qa.convert(info["major"], "arcsec")["value"]), float(qa.convert(info["minor"], "arcsec")["value"])]


def finite_or_none(value):
    value = float(value)
    return value if np.isfinite(value) else None


out = {}
cont = open_fits(prefix + ".spw0_1.cont.I.tt0.pbcor.fits")
ia.open(cont)
st = ia.statistics()
cs = ia.coordsys()
src = truth["continuum"] or truth["extended"]
ra, dec = src["ra_rad"], src["dec_rad"]
pix = source_pixel(cs)
out["continuum"] = {"max": float(st["max"][0]), "maxpos": [int(v) for v in st["maxpos"][:2]], "source_pixel": [float(pix[0]), float(pix[1])]}
ia.close()
if truth["continuum"]:
    fit = casatasks.imfit(imagename=cont, box="%d,%d,%d,%d" % (pix[0] - 12, pix[1] - 12, pix[0] + 12, pix[1] + 12))
    comp = fit["results"]["component0"]
    out["continuum"]["fit_flux_jy"] = float(comp["flux"]["value"][0])
    out["continuum"]["fit_flux_err_jy"] = float(comp["flux"]["error"][0])

cubes = {}
for spw in (0, 1):
    name = prefix + ".spw%d.cube.I.pbcor.fits" % spw
    if not os.path.exists(os.path.join(products, name + ".gz")):
        continue
    path = open_fits(name)
    ia.open(path)
    cs = ia.coordsys()
    data = ia.getchunk(dropdeg=True)  # [x, y, chan]
    shape = data.shape
    pix = source_pixel(cs)
    x, y = int(round(pix[0])), int(round(pix[1]))
    spectrum = data[x, y, :]
    nchan = shape[2]
    spec_axis = cs.findaxisbyname("spectral")
    freqs = []
    for c in range(nchan):
        p = [0.0] * len(ia.shape())
        p[spec_axis] = c
        freqs.append(float(cs.toworld(p)["numeric"][spec_axis]))
    # Away from the source (beyond two beams) where the primary beam is above 0.5: primary-
    # beam correction amplifies the noise towards the edge of the field.
    ia.close()
    ia.open(open_fits(prefix + ".spw%d.cube.I.pb.fits" % spw))
    pb = ia.getchunk(dropdeg=True)
    ia.close()
    ia.open(path)
    xx, yy = np.meshgrid(np.arange(shape[0]), np.arange(shape[1]), indexing="ij")
    cell_arcsec = abs(float(qa.convert(qa.quantity(cs.increment()["numeric"][0], cs.units()[0]), "arcsec")["value"]))
    two_beams_px = 2.0 * beam_arcsec(ia)[0] / cell_arcsec
    far = (np.hypot(xx - x, yy - y) > two_beams_px) & (pb[:, :, nchan // 2] > 0.5)
    off = data[far, :]
    cubes[str(spw)] = {
        "frame": cs.referencecode("spectral")[0],
        "freqs_hz": freqs,
        # Blank channels (null) are the partly covered edges of the LSRK regridding.
        "spectrum_jy": [finite_or_none(v) for v in spectrum],
        "off_rms_per_channel": [finite_or_none(np.sqrt(np.nanmean(off[:, c] ** 2))) if off.size else None for c in range(nchan)],
        "off_pixels": int(far.sum()),
        "beam_arcsec": beam_arcsec(ia),
    }
    ia.close()
out["cubes"] = cubes
shutil.rmtree(tmp)
print(json.dumps(out, allow_nan=False))
