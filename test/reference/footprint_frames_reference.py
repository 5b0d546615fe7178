"""Reference answers for footprints on the sky in any celestial frame, from astropy and mocpy.

Reads {"requests": [...]} on stdin, prints {"answers": [...]}. A request:
  {file, pbLimit, rings: [[[ra, dec], ...], ...] (ICRS, outer rings and holes),
   outers: [[[ra, dec], ...], ...], order, ascii, mocFits}
The answer, from the file and astropy alone:
  validCount        valid pixels (finite in any plane, >= pbLimit when given)
  vertexToBoundary  largest distance (pixels) from a ring vertex, taken to pixels through
                    astropy's WCS with SkyCoord (so ICRS to the image's own frame, Galactic
                    included), to the nearest boundary pixel
  boundaryToEdge    largest distance (pixels) from a boundary pixel to the nearest ring edge
  onlyOurs, onlyMocpy, both
                    cells at `order` in only our MOC (the ASCII), only mocpy's union of
                    from_polygon over the outer rings, or both
  pixelsOutside     cells holding a valid pixel's centre that our MOC misses
  fitsAscii         mocpy's reading of our FITS file, as ASCII
  poles             whether our MOC holds the north and the south celestial pole
"""

import json
import sys

import numpy as np
from astropy import units as u
from astropy.coordinates import SkyCoord
from mocpy import MOC

from footprint_reference import boundary_pixels, valid_mask


def cells(moc, order):
    """Cells at `order` a MOC covers (its order-29 ranges counted in cells of `order`)."""
    if moc.empty():
        return 0
    ranges = np.asarray(moc.to_depth29_ranges, dtype=np.uint64)
    return int(((ranges[:, 1] - ranges[:, 0]) >> np.uint64(2 * (29 - order))).sum())


def segment_distances(points, a, b):
    """Distance from each point to the nearest of the segments a[i]-b[i]."""
    d = b - a
    length2 = np.where((d**2).sum(-1) == 0, 1, (d**2).sum(-1))
    t = np.clip(((points[:, None, :] - a[None]) * d[None]).sum(-1) / length2[None], 0, 1)
    nearest = a[None] + t[..., None] * d[None]
    return np.sqrt(((points[:, None, :] - nearest) ** 2).sum(-1)).min(axis=1)


def answer(r):
    mask, wcs = valid_mask(r["file"], 0, r.get("pbLimit"))
    boundary = boundary_pixels(mask).astype(float)
    rings = []
    for ring in r["rings"]:
        v = np.array(ring, dtype=float)
        x, y = wcs.world_to_pixel(SkyCoord(v[:, 0] * u.deg, v[:, 1] * u.deg, frame="icrs"))
        rings.append(np.stack([x, y], axis=1))
    vertices = np.concatenate(rings)
    vertex_to_boundary = max(float(np.sqrt(((p - boundary) ** 2).sum(1)).min()) for p in vertices)
    a = np.concatenate(rings)
    b = np.concatenate([np.roll(ring, -1, axis=0) for ring in rings])
    boundary_to_edge = max(float(segment_distances(boundary[i : i + 1000], a, b).max()) for i in range(0, len(boundary), 1000))

    order = r["order"]
    ours = MOC.from_string(r["ascii"], format="ascii")
    theirs = None
    for ring in r["outers"]:
        v = np.array(ring, dtype=float)
        one = MOC.from_polygon(v[:, 0] * u.deg, v[:, 1] * u.deg, max_depth=order)
        theirs = one if theirs is None else theirs.union(one)
    ys, xs = np.nonzero(mask)
    centres = wcs.pixel_to_world(xs, ys).icrs
    of_pixels = MOC.from_lonlat(lon=centres.ra.wrap_at(360 * u.deg), lat=centres.dec, max_norder=order)
    return {
        "validCount": int(mask.sum()),
        "vertexToBoundary": vertex_to_boundary,
        "boundaryToEdge": boundary_to_edge,
        "onlyOurs": cells(ours.difference(theirs), order),
        "onlyMocpy": cells(theirs.difference(ours), order),
        "both": cells(ours.intersection(theirs), order),
        "pixelsOutside": cells(of_pixels.difference(ours), order),
        "fitsAscii": MOC.from_fits(r["mocFits"]).to_string(format="ascii"),
        "poles": [bool(ours.contains_lonlat([0] * u.deg, [lat] * u.deg)[0]) for lat in (90, -90)],
    }


def main():
    requests = json.load(sys.stdin)["requests"]
    json.dump({"answers": [answer(r) for r in requests]}, sys.stdout)


if __name__ == "__main__":
    main()
