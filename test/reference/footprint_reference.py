"""Reference answers for reimage's HEALPix, footprint and MOC tests, from astropy-healpix,
astropy and mocpy.

Reads one JSON object on stdin: {"requests": [request, ...]}; prints {"answers": [...]}.
A request holds one of:
  healpix      {order, lonlat: [[lon, lat], ...]} -> {ipix: [decimal strings]} (NESTED)
  points       {order, ipix: [decimal strings], dx: [...], dy: [...]} -> {lonlat: [[lon, lat], ...]}
  corners      {order, ipix: [decimal strings]} -> {corners: [[[lon, lat] x 4], ...]} (boundaries_lonlat, step 1)
  outline      {file, hdu, pbLimit, vertices: [[ra, dec], ...]} -> the valid-pixel mask of the
               image (finite in any plane, and >= pbLimit when given), its boundary pixels
               (valid pixels with an invalid or missing 4-neighbour) as 0-based (x, y), the
               valid pixel count, the vertices' 0-based pixel positions through astropy's
               celestial WCS, the pixel area (deg^2) and mocpy's MOC of the valid pixels'
               centres at `order` (as from_fits_image builds it) as ASCII
  polygons     {order, polygons: [[[lon, lat], ...], ...], holes: [...]} -> mocpy's union of
               from_polygon at that order, minus from_polygon of each hole, as ASCII
  read         {fits: path} or {ascii: text} -> mocpy's reading of the MOC, as ASCII, with the
               FITS header cards of the table HDU
Large integers travel as decimal strings so no digit is lost in JSON.
"""

import json
import math
import sys
import warnings

import numpy as np
from astropy import units as u
from astropy.io import fits
from astropy.wcs import WCS, FITSFixedWarning
from astropy_healpix import HEALPix, healpy as hp_compat  # noqa: F401
from astropy_healpix.core import healpix_to_lonlat, lonlat_to_healpix, boundaries_lonlat
from mocpy import MOC

warnings.simplefilter("ignore", FITSFixedWarning)


def moc_ascii(moc):
    return moc.to_string(format="ascii")


def valid_mask(path, hdu_index, pb_limit):
    with fits.open(path) as hdul:
        hdu = hdul[hdu_index]
        data = np.asarray(hdu.data, dtype=float)
        header = hdu.header
    planes = data.reshape((-1,) + data.shape[-2:])
    finite = np.isfinite(planes)
    if pb_limit is not None:
        with np.errstate(invalid="ignore"):
            finite &= planes >= pb_limit
    return finite.any(axis=0), WCS(header).celestial


def boundary_pixels(mask):
    padded = np.pad(mask, 1, constant_values=False)
    inner = padded[1:-1, 1:-1]
    edge = inner & ~(padded[:-2, 1:-1] & padded[2:, 1:-1] & padded[1:-1, :-2] & padded[1:-1, 2:])
    ys, xs = np.nonzero(edge)
    return np.stack([xs, ys], axis=1)


def answer(request):
    if "healpix" in request:
        r = request["healpix"]
        lonlat = np.array(r["lonlat"], dtype=float).reshape(-1, 2)
        ipix = lonlat_to_healpix(lonlat[:, 0] * u.deg, lonlat[:, 1] * u.deg, 2 ** r["order"], order="nested")
        return {"ipix": [str(int(i)) for i in np.atleast_1d(ipix)]}
    if "points" in request:
        r = request["points"]
        ipix = np.array([int(i) for i in r["ipix"]], dtype=np.int64)
        lon, lat = healpix_to_lonlat(ipix, 2 ** r["order"], dx=np.array(r["dx"]), dy=np.array(r["dy"]), order="nested")
        return {"lonlat": np.stack([lon.deg, lat.deg], axis=1).tolist()}
    if "corners" in request:
        r = request["corners"]
        ipix = np.array([int(i) for i in r["ipix"]], dtype=np.int64)
        lon, lat = boundaries_lonlat(ipix, 1, 2 ** r["order"], order="nested")
        return {"corners": np.stack([lon.deg, lat.deg], axis=2).tolist()}
    if "outline" in request:
        r = request["outline"]
        mask, wcs = valid_mask(r["file"], r.get("hdu", 0), r.get("pbLimit"))
        out = {"validCount": int(mask.sum()), "boundary": boundary_pixels(mask).tolist(), "shape": list(mask.shape)}
        vertices = np.array(r.get("vertices", []), dtype=float).reshape(-1, 2)
        if len(vertices):
            x, y = wcs.all_world2pix(vertices[:, 0], vertices[:, 1], 0)
            out["vertexPixels"] = np.stack([x, y], axis=1).tolist()
        scales = wcs.proj_plane_pixel_scales()
        out["pixelArea"] = float(scales[0].to_value(u.deg) * scales[1].to_value(u.deg))
        if "order" in r:
            ys, xs = np.nonzero(mask)
            ra, dec = wcs.all_pix2world(xs, ys, 0)
            moc = MOC.from_lonlat(lon=ra * u.deg, lat=dec * u.deg, max_norder=r["order"])
            out["pixelMoc"] = moc_ascii(moc)
        return out
    if "polygons" in request:
        r = request["polygons"]
        moc = None
        for polygon in r["polygons"]:
            p = np.array(polygon, dtype=float)
            one = MOC.from_polygon(p[:, 0] * u.deg, p[:, 1] * u.deg, max_depth=r["order"])
            moc = one if moc is None else moc.union(one)
        for hole in r.get("holes", []):
            p = np.array(hole, dtype=float)
            moc = moc.difference(MOC.from_polygon(p[:, 0] * u.deg, p[:, 1] * u.deg, max_depth=r["order"]))
        return {"moc": moc_ascii(moc)}
    if "read" in request:
        r = request["read"]
        if "fits" in r:
            moc = MOC.from_fits(r["fits"])
            with fits.open(r["fits"]) as hdul:
                header = {k: v for k, v in hdul[1].header.items() if k not in ("COMMENT", "HISTORY", "")}
            return {"moc": moc_ascii(moc), "header": header, "maxOrder": int(moc.max_order)}
        moc = MOC.from_string(r["ascii"], format="ascii")
        return {"moc": moc_ascii(moc), "maxOrder": int(moc.max_order)}
    raise ValueError(f"unknown request {sorted(request)}")


def clean(value):
    if isinstance(value, dict):
        return {k: clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean(v) for v in value]
    if isinstance(value, (np.floating, float)):
        f = float(value)
        return f if math.isfinite(f) else None
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    return value


def main():
    requests = json.load(sys.stdin)["requests"]
    json.dump(clean({"answers": [answer(r) for r in requests]}), sys.stdout)


if __name__ == "__main__":
    main()
