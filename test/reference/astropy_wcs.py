"""Reference answers from astropy for reimage's FITS and WCS tests.

Reads one JSON object on stdin: {"requests": [request, ...]}; prints {"answers": [...]}.
A request may hold:
  file, hdu            the FITS file (gzip is fine) and HDU index (default 0)
  pixels               0-based pixel coordinates -> astropy's world coordinates (origin=0)
  world                world coordinates -> astropy's 0-based pixel coordinates
  samples              0-based pixel indices in FITS axis order -> pixel values
  frames               [{lon, lat, from, to}] -> SkyCoord transforms (icrs, fk5, galactic)
  doppler              {restfreq, freqs, velocities} -> radio, optical, relativistic conversions
Every answer carries the header values, the data statistics and, for tables, the columns.
NaN and infinities are printed as null, so the output is plain JSON.
"""

import hashlib
import json
import math
import sys
import warnings

import numpy as np
from astropy import units as u
from astropy.coordinates import SkyCoord
from astropy.io import fits
from astropy.wcs import WCS, FITSFixedWarning

warnings.simplefilter("ignore", FITSFixedWarning)


def clean(value):
    if isinstance(value, dict):
        return {k: clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean(v) for v in value]
    if isinstance(value, np.ndarray):
        return clean(value.tolist())
    if isinstance(value, (np.floating, float)):
        f = float(value)
        return f if math.isfinite(f) else None
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.bool_,)):
        return bool(value)
    if isinstance(value, bytes):
        return value.decode("latin1")
    return value


def header_values(header):
    out = {}
    for card in header.cards:
        key = card.keyword
        if key in ("COMMENT", "HISTORY", "") or key in out:
            continue
        value = card.value
        if isinstance(value, fits.card.Undefined):
            value = None
        elif isinstance(value, complex):
            value = {"re": value.real, "im": value.imag}
        out[key] = value
    return out


def data_summary(data):
    values = np.asarray(data, dtype="<f8")
    canonical = values.copy()
    nan = np.isnan(canonical)
    bits = canonical.view("<u8")
    bits[nan] = 0x7FF8000000000000
    finite = values[~nan]
    return {
        "shape": list(data.shape),
        "dtype": str(data.dtype),
        "min": float(finite.min()) if finite.size else None,
        "max": float(finite.max()) if finite.size else None,
        "mean": float(finite.mean(dtype=np.float64)) if finite.size else None,
        "nanCount": int(nan.sum()),
        "sha256": hashlib.sha256(canonical.tobytes()).hexdigest(),
    }


def answer(request):
    result = {}
    if "file" in request:
        with fits.open(request["file"]) as hdul:
            result["hdus"] = [{"name": h.name, "type": type(h).__name__} for h in hdul]
            hdu = hdul[request.get("hdu", 0)]
            header = hdu.header
            result["header"] = header_values(header)
            if isinstance(hdu, fits.BinTableHDU):
                result["table"] = {name: hdu.data[name].tolist() for name in hdu.columns.names}
            elif hdu.data is not None:
                data = hdu.data
                result["data"] = data_summary(data)
                samples = request.get("samples", [])
                result["samples"] = [float(data[tuple(reversed(s))]) for s in samples]
            if request.get("pixels") or request.get("world") or request.get("wcsInfo"):
                w = WCS(header)
                result["wcs"] = {
                    "ctype": list(w.wcs.ctype),
                    "cunit": [str(c) for c in w.wcs.cunit],
                    "crval": list(w.wcs.crval),
                    "lonpole": w.wcs.lonpole,
                    "latpole": w.wcs.latpole,
                    "restfrq": w.wcs.restfrq,
                    "specsys": w.wcs.specsys,
                    "radesys": w.wcs.radesys,
                }
                if request.get("pixels"):
                    result["world"] = w.all_pix2world(np.array(request["pixels"], dtype=float), 0)
                if request.get("world"):
                    result["pixels"] = w.all_world2pix(np.array(request["world"], dtype=float), 0)
    if "frames" in request:
        out = []
        for f in request["frames"]:
            c = SkyCoord(f["lon"] * u.deg, f["lat"] * u.deg, frame=f["from"]).transform_to(f["to"])
            s = c.spherical
            out.append([s.lon.deg, s.lat.deg])
        result["frames"] = out
    if "doppler" in request:
        d = request["doppler"]
        rest = d["restfreq"] * u.Hz
        freqs = np.array(d.get("freqs", []), dtype=float) * u.Hz
        vels = np.array(d.get("velocities", []), dtype=float) * u.m / u.s
        result["doppler"] = {
            "vrad": freqs.to(u.m / u.s, equivalencies=u.doppler_radio(rest)).value,
            "vopt": freqs.to(u.m / u.s, equivalencies=u.doppler_optical(rest)).value,
            "velo": freqs.to(u.m / u.s, equivalencies=u.doppler_relativistic(rest)).value,
            "fromVrad": vels.to(u.Hz, equivalencies=u.doppler_radio(rest)).value,
            "fromVopt": vels.to(u.Hz, equivalencies=u.doppler_optical(rest)).value,
            "fromVelo": vels.to(u.Hz, equivalencies=u.doppler_relativistic(rest)).value,
        }
    return result


def main():
    requests = json.load(sys.stdin)["requests"]
    json.dump(clean({"answers": [answer(r) for r in requests]}), sys.stdout)


if __name__ == "__main__":
    main()
