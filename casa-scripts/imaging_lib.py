"""Helpers for reimage's generated imaging scripts (src/imaging/casatasks-recipe.ts).

The generated script keeps the CASA calls themselves, one per line with every parameter
spelled out; this module holds what is not a CASA task: recording each stage's outcome,
findcont's analysis of the dirty cubes, reading and writing cont.dat, turning LSRK
continuum ranges into channel selections of a measurement set, gzipping the FITS products
and writing the products.json manifest.

Run inside CASA's Python (casatools and casatasks importable). Nothing here reads the
environment.
"""
import atexit
import contextlib
import datetime
import gzip
import hashlib
import json
import math
import os
import re
import shutil
import sys
import time
import traceback

import numpy as np
import casatools

MANIFEST_VERSION = 1


def _now():
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")


def _casa_version():
    try:
        return casatools.version_string()
    except Exception:  # noqa: BLE001 - the version is informative only
        return None


class Recipe:
    """The state of one run of a generated recipe: outcomes, continuum ranges, products."""

    def __init__(self, mous, product_prefix, products_dir, manifest="products.json"):
        self.mous = mous
        self.product_prefix = product_prefix
        self.products_dir = products_dir
        self.manifest = manifest
        self.started = _now()
        self.steps = []
        self.failures = []
        self.skipped = []
        self.warnings = []
        self.products = []
        self.cont_ranges = {}  # source -> spw -> list of (lo_ghz, hi_ghz), or "NONE"
        self.findcont = {}  # source -> spw -> what findcont saw
        self._finished = False
        os.makedirs(products_dir, exist_ok=True)
        # A run killed half-way still leaves a manifest saying how far it got.
        atexit.register(self._write_if_unfinished)

    @contextlib.contextmanager
    def stage(self, stage, label, needs=(), makes=(), product=None):
        """Runs the body when its inputs exist; records success, failure or skip.

        Yields True when the body should run. A failure is recorded with the exception's
        class and text (what the caller's classifier reads); a call whose inputs are missing
        is a consequence of an earlier failure and is recorded as skipped instead.
        """
        missing = [p for p in needs if not os.path.exists(p)]
        started = time.time()
        record = {"stage": stage, "label": label}
        if missing:
            if product is not None and product.get("optional"):
                reason = "optional product not made: " + ", ".join(missing)
            else:
                reason = "missing input: " + ", ".join(missing)
            self.skipped.append(dict(record, reason=reason))
            self.steps.append(dict(record, outcome="skipped", seconds=0.0))
            yield False
            return
        try:
            yield True
            absent = [p for p in makes if not os.path.exists(p)]
            if absent:
                raise MissingOutput("expected output missing: " + ", ".join(absent))
            if product is not None:
                self._add_product(product, makes[0])
        except Exception as e:  # noqa: BLE001 - every failure is recorded, then the recipe goes on
            self.failures.append(dict(record, errorClass=type(e).__name__, message=str(e),
                                      traceback=traceback.format_exc(limit=8)))
            self.steps.append(dict(record, outcome="failed", seconds=round(time.time() - started, 2)))
            print("reimage-recipe: FAILED %s %s: %s: %s" % (stage, label, type(e).__name__, e), flush=True)
            return
        self.steps.append(dict(record, outcome="done", seconds=round(time.time() - started, 2)))
        print("reimage-recipe: done %s %s (%.1f s)" % (stage, label, time.time() - started), flush=True)

    def _add_product(self, product, fits_path):
        gz_path = fits_path + ".gz"
        with open(fits_path, "rb") as src, gzip.open(gz_path, "wb", compresslevel=6) as dst:
            shutil.copyfileobj(src, dst, length=1 << 22)
        os.remove(fits_path)
        digest = hashlib.sha256()
        with open(gz_path, "rb") as f:
            for block in iter(lambda: f.read(1 << 22), b""):
                digest.update(block)
        self.products.append(dict(product, path=gz_path, sizeBytes=os.path.getsize(gz_path), sha256=digest.hexdigest()))

    def zero_mask(self, result, label):
        """Whether tclean stopped because auto-multithresh found no mask (stop code 7)."""
        stopped = isinstance(result, dict) and int(result.get("stopcode", 0)) == 7
        if stopped:
            self.warnings.append("%s: auto-multithresh found no mask; cleaned again with a PB mask" % label)
        return stopped

    # --- findcont -----------------------------------------------------------------------

    def find_continuum(self, source, spw, image, pb_level=0.5, nsigma=3.5):
        """Continuum ranges of one dirty cube from its mean spectrum.

        The spectrum is the mean, per channel, over the source's pixels inside the region
        where the primary beam exceeds `pb_level` (see `_source_pixels`): the mean of a whole
        dirty image is ~0 because an interferometer has no zero spacing, and a wide region
        dilutes a line below the noise. A straight
        baseline is fitted with iterative sigma clipping (sigma from the median absolute
        deviation); channels more than `nsigma` from it, and their neighbours, are line.
        The rest, as LSRK frequency ranges, is continuum.
        """
        data, freqs_hz, frame = _read_cube(image + ".image")
        pb, _, _ = _read_cube(image + ".pb")
        nchan = data.shape[-1]
        region = pb[:, :, nchan // 2] > pb_level
        if not region.any():
            raise ValueError("no pixel of %s.pb is above %.2f" % (image, pb_level))
        inside = data[region]  # [npix, nchan]
        chosen = inside[_source_pixels(inside)]
        spectrum = np.nanmean(chosen, axis=0)
        line, sigma = _line_channels(spectrum, nsigma)
        width = abs(freqs_hz[1] - freqs_hz[0]) if nchan > 1 else 0.0
        ranges = []
        for a, b in _runs(~line):
            lo = min(freqs_hz[a], freqs_hz[b]) - width / 2.0
            hi = max(freqs_hz[a], freqs_hz[b]) + width / 2.0
            ranges.append((lo / 1e9, hi / 1e9))
        self.cont_ranges.setdefault(source, {})[int(spw)] = ranges if ranges else "NONE"
        self.findcont.setdefault(source, {})[str(spw)] = {
            "frame": frame,
            "pixels": int(chosen.shape[0]),
            "sigmaJy": float(sigma),
            "lineChannels": [int(c) for c in np.nonzero(line)[0]],
            "spectrumJy": [float(v) for v in spectrum],
            "channelFreqsHz": [float(f) for f in freqs_hz],
        }
        if frame != "LSRK":
            self.warnings.append("findcont: %s has spectral frame %s, not LSRK" % (image, frame))

    def write_cont_dat(self, path):
        """The pipeline's cont.dat (version 2): Field, SpectralWindow, `lo~hiGHz LSRK` lines."""
        if not self.cont_ranges:
            raise ValueError("findcont found no continuum ranges to write")
        lines = []
        for source in sorted(self.cont_ranges):
            lines.append("Field: %s" % source)
            lines.append("")
            for spw in sorted(self.cont_ranges[source]):
                lines.append("SpectralWindow: %d" % spw)
                ranges = self.cont_ranges[source][spw]
                if ranges == "NONE":
                    lines.append("NONE")
                else:
                    for lo, hi in ranges:
                        lines.append("%.10f~%.10fGHz LSRK" % (lo, hi))
                lines.append("")
        with open(path, "w") as f:
            f.write("\n".join(lines) + "\n")

    def continuum_selection(self, cont_dat, vis, sources, spws):
        """The continuum channels of `spws` in `vis` from cont.dat.

        One source: a spw selection string for tclean and uvcontsub (`0:0~12;17~31,1:0~31`).
        Several: uvcontsub's fitspec dictionary, per field id and spw. LSRK ranges become
        channels through the MS's own LSRK channel frequencies (ms.cvelfreqs), since the
        MS labels its channels in TOPO. A spw without ranges keeps all its channels, with a
        warning: the pipeline does the same rather than lose the spw.
        """
        contdat = read_cont_dat(cont_dat)
        per_source = {}
        msmd = casatools.msmetadata()
        msmd.open(vis)
        try:
            for source in sources:
                field_ids = [int(f) for f in msmd.fieldsforname(source)]
                if not field_ids:
                    raise ValueError("no field named %s in %s" % (source, vis))
                sel = {}
                for spw in spws:
                    sel[int(spw)] = self._channels(contdat, vis, source, field_ids[0], int(spw), int(msmd.nchan(spw)))
                per_source[source] = (field_ids, sel)
        finally:
            msmd.close()
        if len(sources) == 1:
            _, sel = per_source[sources[0]]
            return ",".join("%d:%s" % (spw, chans) for spw, chans in sorted(sel.items()))
        fitspec = {}
        for field_ids, sel in per_source.values():
            for fid in field_ids:
                fitspec[str(fid)] = {str(spw): {"chan": chans, "fitorder": 1} for spw, chans in sel.items()}
        return fitspec

    def _channels(self, contdat, vis, source, field_id, spw, nchan):
        ranges = contdat.get(source, {}).get(spw)
        everything = "0~%d" % (nchan - 1)
        if ranges is None or ranges == "NONE":
            self.warnings.append("%s spw %d: no continuum ranges in cont.dat, all channels used" % (source, spw))
            return everything
        if ranges == "ALL":
            return everything
        ms = casatools.ms()
        ms.open(vis)
        try:
            lsrk = np.asarray(ms.cvelfreqs(spwids=[spw], fieldids=[field_id], mode="channel", outframe="LSRK", verbose=False))
        finally:
            ms.close()
        ghz = lsrk / 1e9
        keep = np.zeros(ghz.shape, dtype=bool)
        for lo, hi in ranges:
            keep |= (ghz >= lo) & (ghz <= hi)
        if not keep.any():
            self.warnings.append("%s spw %d: cont.dat ranges select no channel of %s, all channels used" % (source, spw, vis))
            return everything
        return ";".join("%d~%d" % (a, b) for a, b in _runs(keep))

    # --- manifest -----------------------------------------------------------------------

    def finish(self):
        """Writes products.json and exits non-zero when any stage failed."""
        self._write("complete" if not self.failures else "failed")
        self._finished = True
        if self.failures:
            sys.exit("ERROR: %d imaging stage(s) failed; see %s" % (len(self.failures), self.manifest))

    def _write_if_unfinished(self):
        if not self._finished:
            self._write("interrupted")

    def _write(self, status):
        manifest = {
            "version": MANIFEST_VERSION,
            "mous": self.mous,
            "productPrefix": self.product_prefix,
            "casaVersion": _casa_version(),
            "status": status,
            "startedAt": self.started,
            "finishedAt": _now(),
            "products": self.products,
            "failures": self.failures,
            "skipped": self.skipped,
            "warnings": self.warnings,
            "continuumRanges": {s: {str(k): v for k, v in r.items()} for s, r in self.cont_ranges.items()},
            "findcont": self.findcont,
            "steps": self.steps,
        }
        tmp = self.manifest + ".tmp"
        with open(tmp, "w") as f:
            # JSON has no NaN: a statistic CASA could not compute becomes null.
            json.dump(_json_safe(manifest), f, indent=1, allow_nan=False)
        os.replace(tmp, self.manifest)


def _core(values):
    """Pixels at or above half the way from the median to the maximum, when the maximum
    stands 5 robust sigma above the median and at least 4 pixels qualify; else None."""
    med = np.nanmedian(values)
    mad = 1.4826 * np.nanmedian(np.abs(values - med))
    top = np.nanmax(values)
    if not mad > 0 or top < med + 5.0 * mad:
        return None
    core = values >= med + 0.5 * (top - med)
    return core if core.sum() >= 4 else None


def _source_pixels(inside):
    """Which pixels (rows of `inside`, [npix, nchan]) the findcont spectrum averages.

    The union of two cores: the continuum's (the channel-mean map at half maximum) and the
    line emission's (peak over channels minus median over channels, at half maximum: it
    marks line pixels whatever continuum lies under them). Edge channels are left out of
    both maps: LSRK regridding covers them only in part. With neither core, the brightest
    pixels of the peak map; with none of those, the whole region.
    """
    body = inside[:, 2:-2] if inside.shape[1] > 8 else inside
    mean_map = np.nanmean(body, axis=1)
    excess_map = np.nanmax(body, axis=1) - np.nanmedian(body, axis=1)
    cores = [c for c in (_core(mean_map), _core(excess_map)) if c is not None]
    if cores:
        return np.logical_or.reduce(cores)
    peak = np.nanmax(body, axis=1)
    med = np.nanmedian(peak)
    mad = 1.4826 * np.nanmedian(np.abs(peak - med))
    bright = peak > med + 5.0 * mad if mad > 0 else np.zeros(peak.shape, dtype=bool)
    return bright if bright.sum() >= 4 else np.ones(peak.shape, dtype=bool)


def _json_safe(value):
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    return value


class MissingOutput(RuntimeError):
    """A CASA task returned without making what it should have."""


def read_cont_dat(path):
    """Parses the pipeline's cont.dat: {field: {spw: [(lo_ghz, hi_ghz), ...] | 'NONE' | 'ALL'}}."""
    result = {}
    field = None
    spw = None
    range_re = re.compile(r"^\s*([0-9.]+)\s*~\s*([0-9.]+)\s*(GHz|MHz|Hz)\s*(\w+)?\s*$")
    scale = {"GHz": 1.0, "MHz": 1e-3, "Hz": 1e-9}
    with open(path) as f:
        for raw in f:
            line = raw.strip()
            if not line:
                continue
            if line.startswith("Field:"):
                field = line.split(":", 1)[1].strip()
                result.setdefault(field, {})
                spw = None
            elif line.startswith("SpectralWindow:"):
                spw = int(line.split(":", 1)[1].split()[0])
                result.setdefault(field, {})[spw] = []
            elif field is not None and spw is not None:
                if line in ("NONE", "ALL"):
                    result[field][spw] = line
                    continue
                m = range_re.match(line)
                if m is None:
                    raise ValueError("cont.dat line not understood: %r" % line)
                if m.group(4) not in (None, "LSRK"):
                    raise ValueError("cont.dat range not in LSRK: %r" % line)
                lo, hi = sorted((float(m.group(1)) * scale[m.group(3)], float(m.group(2)) * scale[m.group(3)]))
                if isinstance(result[field][spw], list):
                    result[field][spw].append((lo, hi))
    return result


def _read_cube(path):
    """Pixels as [x, y, channel] (Stokes I), channel frequencies in Hz, spectral frame."""
    ia = casatools.image()
    ia.open(path)
    try:
        data = ia.getchunk(dropdeg=False)
        mask = ia.getchunk(getmask=True, dropdeg=False)
        cs = ia.coordsys()
        try:
            types = list(cs.axiscoordinatetypes())
            spec_axis = types.index("Spectral")
            stokes_axis = types.index("Stokes") if "Stokes" in types else None
            ref = cs.referencevalue(type="spectral")["numeric"][0]
            pix = cs.referencepixel(type="spectral")["numeric"][0]
            inc = cs.increment(type="spectral")["numeric"][0]
            frame = cs.referencecode(type="spectral")[0]
        finally:
            cs.done()
    finally:
        ia.close()
    data = np.where(mask, data, np.nan).astype(float)
    if stokes_axis is not None:
        data = np.take(data, 0, axis=stokes_axis)
        if stokes_axis < spec_axis:
            spec_axis -= 1
    data = np.moveaxis(data, spec_axis, -1)
    nchan = data.shape[-1]
    freqs = ref + (np.arange(nchan) - pix) * inc
    return data, freqs, frame


def _line_channels(spectrum, nsigma):
    """Channels departing from a sigma-clipped straight baseline, grown by one channel."""
    n = spectrum.size
    finite = np.isfinite(spectrum)
    x = np.arange(n, dtype=float)
    good = finite.copy()
    sigma = 0.0
    for _ in range(20):
        if good.sum() < 3:
            break
        coef = np.polyfit(x[good], spectrum[good], 1)
        resid = spectrum - np.polyval(coef, x)
        r = resid[good]
        sigma = 1.4826 * np.median(np.abs(r - np.median(r)))
        if sigma <= 0:
            sigma = float(np.std(r))
        if sigma <= 0:
            break
        new_good = finite & (np.abs(resid) <= nsigma * sigma)
        if np.array_equal(new_good, good):
            break
        good = new_good
    line = finite & ~good
    grown = line.copy()
    grown[1:] |= line[:-1]
    grown[:-1] |= line[1:]
    return grown | ~finite, sigma


def _runs(mask):
    """Index ranges (a, b), inclusive, of consecutive True values."""
    runs = []
    start = None
    for i, v in enumerate(mask):
        if v and start is None:
            start = i
        elif not v and start is not None:
            runs.append((start, i - 1))
            start = None
    if start is not None:
        runs.append((start, len(mask) - 1))
    return runs
