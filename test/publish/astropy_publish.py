"""What astropy says about images and cut-outs, for the publishing tests.

Reads JSON on stdin:
  {"describe": [file, ...],
   "votable": file, "xsd": file-or-null,
   "cutout": {"original": file, "cutout": file, "world": [[ra, dec, freq_hz], ...]}}
and writes JSON answers on stdout. Every request is optional.
"""
import json
import sys

import numpy as np
from astropy import units as u
from astropy.coordinates import SkyCoord
from astropy.io import fits
from astropy.wcs import WCS

C = 299792458.0


def describe(path):
    with fits.open(path) as hdul:
        header = hdul[0].header
        w = WCS(header)
        cel = w.celestial
        nx, ny = header["NAXIS1"], header["NAXIS2"]
        frame = cel.wcs.radesys.strip().lower() or "icrs"

        def icrs(px, py):
            lon, lat = cel.all_pix2world([[px, py]], 0)[0]
            if frame == "fk5":
                c = SkyCoord(lon * u.deg, lat * u.deg, frame="fk5", equinox="J2000").icrs
            else:
                c = SkyCoord(lon * u.deg, lat * u.deg, frame=frame).icrs
            return [float(c.ra.deg), float(c.dec.deg)]

        out = {
            "centre": icrs((nx - 1) / 2, (ny - 1) / 2),
            "corners": [icrs(-0.5, -0.5), icrs(nx - 0.5, -0.5), icrs(nx - 0.5, ny - 0.5), icrs(-0.5, ny - 0.5)],
            "bmaj_arcsec": float(header["BMAJ"]) * 3600 if "BMAJ" in header else None,
        }
        if w.has_spectral:
            spec = w.spectral
            n = header["NAXIS%d" % (w.wcs.spec + 1)]
            f = spec.all_pix2world([[-0.5], [n - 0.5]], 0)[:, 0]
            out["em_min"] = C / float(max(f))
            out["em_max"] = C / float(min(f))
            out["channels"] = int(n)
        return out


def votable(path, xsd):
    from astropy.io.votable import parse

    table = parse(path, verify="exception").get_first_table().to_table()
    result = {"rows": len(table), "columns": list(table.colnames)}
    result["first"] = {k: (None if np.ma.is_masked(table[k][0]) else (table[k][0].item() if hasattr(table[k][0], "item") else str(table[k][0]))) for k in table.colnames} if len(table) else {}
    return result


def cutout(req):
    answers = {}
    for name in ("original", "cutout"):
        with fits.open(req[name]) as hdul:
            data = hdul[0].data
            w = WCS(hdul[0].header)
            values = []
            for ra, dec, freq in req["world"]:
                world = [ra, dec, freq, 1][: w.naxis]
                pix = w.all_world2pix([world], 0)[0]
                idx = [int(round(p)) for p in pix]
                inside = all(0 <= i < n for i, n in zip(idx, reversed(data.shape)))
                values.append(float(data[tuple(reversed(idx))]) if inside else "outside")
            answers[name] = {"values": values, "shape": list(reversed(data.shape))}
    return answers


def main():
    request = json.load(sys.stdin)
    answer = {}
    if "describe" in request:
        answer["describe"] = [describe(p) for p in request["describe"]]
    if "votable" in request:
        answer["votable"] = votable(request["votable"], request.get("xsd"))
    if "cutout" in request:
        answer["cutout"] = cutout(request["cutout"])
    json.dump(answer, sys.stdout, allow_nan=True)


if __name__ == "__main__":
    main()
