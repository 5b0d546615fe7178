"""Reference statistics with numpy and astropy, for the tests of src/products/statistics.

Reads a JSON request on stdin: {"requests": [{"raw": path, "dtype": "float32"|"float64"}
| {"fits": path, "hdu": 0}]} and answers {"answers": [...]}, one per request:
- raw: the robust statistics of a little-endian binary array of that dtype;
- fits: astropy's data (scaled as astropy scales it), its whole-image statistics and one
  entry per plane (every axis above the second, in file order).

The definitions are those of src/products/statistics/robust.ts, written the plain numpy
way: median and MAD in the data's dtype (np.median), moments in float64, sigma clipping
around the median of all finite pixels with deviations compared in float64 and the rms
taken of the deviations x - median.
"""
import json
import math
import sys

import numpy as np
from astropy.io import fits

MAD_TO_SIGMA = 1.4826


def num(v):
    v = float(v)
    return v if math.isfinite(v) else None


def robust(values):
    flat = values.ravel()
    finite_mask = np.isfinite(flat)
    x = flat[finite_mask]
    n = int(x.size)
    if n == 0:
        return {"count": 0}
    median = np.median(x)
    signed = x - median
    dev = np.abs(signed)
    mad = np.median(dev)
    sigma = MAD_TO_SIGMA * float(mad)
    dev64 = dev.astype(np.float64)
    previous, rounds, rms, count = -1, 0, float("nan"), 0
    while rounds < 5:
        limit = 3.0 * sigma
        sel = dev64 <= limit
        count = int(sel.sum())
        rounds += 1
        rms = float(signed[sel].astype(np.float64).std()) if count else float("nan")
        if count == previous:
            break
        previous, sigma = count, rms
    max_index = int(np.where(finite_mask, flat, -np.inf).argmax())
    return {
        "count": n,
        "min": float(x.min()),
        "max": float(x.max()),
        "maxIndex": max_index,
        "mean": float(x.mean(dtype=np.float64)),
        "std": float(x.std(dtype=np.float64)),
        "median": float(median),
        "mad": float(mad),
        "rmsMad": MAD_TO_SIGMA * float(mad),
        "rmsClipped": num(rms),
        "clipRounds": rounds,
        "clippedCount": count,
    }


def answer(request):
    if "raw" in request:
        return robust(np.fromfile(request["raw"], dtype=np.dtype(request["dtype"]).newbyteorder("<")))
    with fits.open(request["fits"]) as hdul:
        data = hdul[request.get("hdu", 0)].data
        # astropy gives big-endian arrays; native order keeps numpy's fast paths.
        data = data.astype(data.dtype.newbyteorder("="))
        planes = data.reshape((-1,) + data.shape[-2:]) if data.ndim >= 2 else data.reshape(1, 1, -1)
        return {
            "dtype": str(data.dtype),
            "shape": list(data.shape),
            "image": robust(data),
            "planes": [robust(p) for p in planes],
        }


def main():
    requests = json.load(sys.stdin)["requests"]
    json.dump({"answers": [answer(r) for r in requests]}, sys.stdout)


if __name__ == "__main__":
    main()
