"""The numpy/astropy reference for bench/products.ts: the same computation as
`reimage products` on a float32 cube, written the careful numpy way (astropy's memory map,
one copy of the finite pixels, medians partitioned in place, per-channel work plane by
plane so no full-size temporaries): read, min, max, mean, std, exact median and MAD,
per-channel rms, peak map and moment 0. Prints its figures as JSON.
"""
import json
import sys
import time

import numpy as np
from astropy.io import fits


def main(path):
    started = time.perf_counter()
    with fits.open(path) as hdul:
        data = hdul[0].data
        cube = data.reshape((-1,) + data.shape[-2:])
        finite = cube[np.isfinite(cube)]
        finite = finite.byteswap().view(finite.dtype.newbyteorder())  # native order for numpy's fast paths
        count = finite.size
        lo, hi = float(finite.min()), float(finite.max())
        total = 0.0
        squares = 0.0
        step = 1 << 24
        for start in range(0, count, step):
            chunk = finite[start:start + step].astype(np.float64)
            total += float(chunk.sum())
            squares += float(np.dot(chunk, chunk))
        mean = total / count
        std = float(np.sqrt(max(0.0, squares / count - mean * mean)))
        median = np.median(finite, overwrite_input=True)
        np.subtract(finite, median, out=finite)
        np.abs(finite, out=finite)
        mad = np.median(finite, overwrite_input=True)
        del finite
        rms = np.empty(cube.shape[0])
        peak = np.full(cube.shape[1:], -np.inf, dtype=np.float32)
        moment0 = np.zeros(cube.shape[1:], dtype=np.float64)
        for i in range(cube.shape[0]):
            plane = cube[i].astype(np.float32)
            rms[i] = np.nanstd(plane)
            np.fmax(peak, plane, out=peak)
            moment0 += np.nan_to_num(plane)
    seconds = time.perf_counter() - started
    json.dump(
        {
            "seconds": seconds,
            "count": int(count),
            "min": lo,
            "max": hi,
            "mean": mean,
            "std": std,
            "median": float(median),
            "mad": float(mad),
            "channels": int(cube.shape[0]),
            "peakOfPeakMap": float(np.nanmax(peak)),
            "moment0Sum": float(moment0.sum()),
        },
        sys.stdout,
    )


if __name__ == "__main__":
    main(sys.argv[1])
