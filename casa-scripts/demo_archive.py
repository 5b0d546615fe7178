"""Builds reimage's demo ALMA archive with CASA's own simulator.

Usage (inside a CASA Python, with CASASITECONFIG set):
    python demo_archive.py OUT_DIR [MOUS_NAME ...]

For each MOUS it simulates one execution block (a calibrator and a target observed in
turn), corrupts the visibilities with per-antenna complex gains of known value and with
thermal noise, writes the raw data as a real ASDM (exportasdm), and writes a delivery in
ALMA's layout whose scriptForPI.py restores the calibration for real (importasdm, setjy,
gaincal, applycal, split). The simulated truth (fluxes, line, gains, noise) goes to
OUT_DIR/truth/<mous>.json, outside the delivery, for tests to check against.

The delivery scripts are modelled on real manual-calibration packages (Cycle 4 style:
scriptForPI.py driving one scriptForCalibration.py per EB) but written for CASA 6, with the
CASA 6 form of the version assert on casalith.
"""
import json
import os
import shutil
import sys
import textwrap

import numpy as np
import casatools
import casatasks
from casatasks.private import simutil

C = 299792458.0
CO10_REST_HZ = 115.271202e9  # CO v=0 J=1-0 (Splatalogue, Lovas/NRAO)

me = casatools.measures()
qa = casatools.quanta()

PROJECT = "2024.1.00042.S"
SCIENCE_GOAL = "uid___A001_X3001_X10"
GROUP = "uid___A001_X3001_X11"
CASA_VERSION = casatasks.version_string()  # e.g. 6.7.0.31
EPOCH = "2024/03/15/02:00:00"  # inside the range the bundled Earth-orientation tables cover

# The target region transits high at ALMA (latitude -23 deg) around this reference epoch.
TARGET_RA, TARGET_DEC = "10h27m51.0s", "-43d54m14.0s"
CAL_RA, CAL_DEC = "10h37m16.1s", "-43d11m55.0s"  # a quasar-like 2 Jy point, 2 deg away
CAL_NAME = "J1037-4311"
CAL_FLUX_JY = 2.0
CAL_INTENT = "CALIBRATE_PHASE#ON_SOURCE,CALIBRATE_AMPLI#ON_SOURCE,CALIBRATE_BANDPASS#ON_SOURCE"

MOUSES = {
    "single": {
        "mous": "uid___A001_X3001_X12",
        "eb": "uid___A002_Xb10001_X1a2",
        "source": "SimPoint",
        "pointings_arcsec": [(0.0, 0.0)],
        # Band 3 with two spws, as ALMA sets them: the line in the upper sideband.
        "spws": [
            {"name": "X1#ALMA_RB_03#BB_1#SW-01#FULL_RES", "centre_ghz": 114.62, "nchan": 64, "width_mhz": 3.90625},
            {"name": "X1#ALMA_RB_03#BB_2#SW-01#FULL_RES", "centre_ghz": 102.62, "nchan": 64, "width_mhz": 3.90625},
        ],
        "continuum": {"flux_jy": 0.05, "offset_arcsec": (0.0, 0.0)},
        # CO(1-0) from a galaxy at cz = 1700 km/s (radio convention), a Gaussian in frequency.
        "line": {"species": "CO v=0 1-0", "rest_hz": CO10_REST_HZ, "velocity_kms": 1700.0,
                 "fwhm_kms": 60.0, "peak_jy": 0.03, "major_arcsec": 1.2, "minor_arcsec": 0.8, "pa_deg": 30.0},
        "observed": True,
    },
    "mosaic": {
        "mous": "uid___A001_X3001_X16",
        "eb": "uid___A002_Xb10001_X2b4",
        "source": "SimMosaic",
        # Three pointings along RA, spaced by about half the primary beam at 100 GHz.
        "pointings_arcsec": [(-25.0, 0.0), (0.0, 0.0), (25.0, 0.0)],
        "spws": [
            {"name": "X1#ALMA_RB_03#BB_1#SW-01#FULL_RES", "centre_ghz": 108.0, "nchan": 32, "width_mhz": 15.625},
            {"name": "X1#ALMA_RB_03#BB_2#SW-01#FULL_RES", "centre_ghz": 96.0, "nchan": 32, "width_mhz": 15.625},
        ],
        "extended": {"flux_jy": 0.4, "major_arcsec": 40.0, "minor_arcsec": 14.0, "pa_deg": 80.0, "offset_arcsec": (0.0, 0.0)},
        "observed": True,
    },
    # An execution aborted before any scan on the science target: the calibration restores,
    # but there is nothing of the target to image.
    "aborted": {
        "mous": "uid___A001_X3001_X1a",
        "eb": "uid___A002_Xb10001_X3c6",
        "source": "SimAborted",
        "pointings_arcsec": [(0.0, 0.0)],
        "spws": [
            {"name": "X1#ALMA_RB_03#BB_1#SW-01#FULL_RES", "centre_ghz": 114.62, "nchan": 32, "width_mhz": 7.8125},
            {"name": "X1#ALMA_RB_03#BB_2#SW-01#FULL_RES", "centre_ghz": 102.62, "nchan": 32, "width_mhz": 7.8125},
        ],
        "continuum": {"flux_jy": 0.05, "offset_arcsec": (0.0, 0.0)},
        "observed": False,
    },
}

N_ANTENNAS = 16
INTEGRATION_S = 10.0
# Per-visibility noise, roughly ALMA Band 3 for 10 s and a few MHz (Tsys ~ 80 K).
NOISE_JY = 0.3
GAIN_SEED = 20240315


def log(msg):
    print("demo-archive: " + msg, flush=True)


def antenna_layout():
    """The first N antennas of ALMA's most compact Cycle 10 configuration, from casadata."""
    data = casatools.ctsys.resolve("alma/simmos/alma.cycle10.1.cfg")
    util = simutil.simutil()
    x, y, z, d, pads, names, telescope, posobs = util.readantenna(data)[:8]
    n = min(N_ANTENNAS, len(x))
    # ALMA's 12 m antennas are DA/DV/PM; give them real-looking names on the real pads.
    antnames = ["DA%02d" % (41 + i) if i % 2 == 0 else "DV%02d" % (1 + i) for i in range(n)]
    return list(x[:n]), list(y[:n]), list(z[:n]), list(d[:n]), list(pads[:n]), antnames, posobs


def offset_direction(ra, dec, dx_arcsec, dy_arcsec):
    base = me.direction("J2000", ra, dec)
    ra_rad = qa.convert(base["m0"], "rad")["value"]
    dec_rad = qa.convert(base["m1"], "rad")["value"]
    dec2 = dec_rad + np.radians(dy_arcsec / 3600.0)
    ra2 = ra_rad + np.radians(dx_arcsec / 3600.0) / np.cos(dec_rad)
    return ra2, dec2


def line_profile(spec, freqs_hz):
    line = spec["line"]
    nu0 = line["rest_hz"] * (1.0 - line["velocity_kms"] * 1e3 / C)  # radio convention
    sigma_hz = line["fwhm_kms"] * 1e3 / C * line["rest_hz"] / (2.0 * np.sqrt(2.0 * np.log(2.0)))
    return line["peak_jy"] * np.exp(-0.5 * ((freqs_hz - nu0) / sigma_hz) ** 2), nu0, sigma_hz


def simulate(spec, ms, workdir):
    x, y, z, d, pads, antnames, posobs = antenna_layout()
    sm = casatools.simulator()
    sm.open(ms)
    sm.setconfig(telescopename="ALMA", x=x, y=y, z=z, dishdiameter=d, mount=["alt-az"],
                 antname=antnames, padname=pads, coordsystem="global", referencelocation=posobs)
    for s in spec["spws"]:
        width = s["width_mhz"] * 1e6
        start = s["centre_ghz"] * 1e9 - width * (s["nchan"] / 2.0 - 0.5)
        sm.setspwindow(spwname=s["name"], freq="%.1fHz" % start, deltafreq="%.1fHz" % width,
                       freqresolution="%.1fHz" % width, refcode="TOPO", nchannels=s["nchan"], stokes="XX YY")
    sm.setfeed(mode="perfect X Y", pol=[""])
    sm.setfield(sourcename=CAL_NAME, sourcedirection=me.direction("J2000", CAL_RA, CAL_DEC), calcode="P")
    target_dirs = []
    # sm.observe finds a field by name, so each pointing gets its own name here and takes
    # the source's name back afterwards (ALMA mosaics share one name across pointings).
    pointing_names = [spec["source"] if len(spec["pointings_arcsec"]) == 1 else "%s_%d" % (spec["source"], i)
                      for i in range(len(spec["pointings_arcsec"]))]
    for (dx, dy), pname in zip(spec["pointings_arcsec"], pointing_names):
        ra, dec = offset_direction(TARGET_RA, TARGET_DEC, dx, dy)
        target_dirs.append((ra, dec))
        sm.setfield(sourcename=pname, sourcedirection=me.direction("J2000", "%.12frad" % ra, "%.12frad" % dec))
    sm.setlimits(shadowlimit=0.001, elevationlimit="8.0deg")
    sm.setauto(autocorrwt=0.0)
    sm.settimes(integrationtime="%ds" % INTEGRATION_S, usehourangle=False, referencetime=me.epoch("UTC", EPOCH))

    # Calibrator, target, calibrator, target, calibrator: the gains are bracketed as in a
    # real phase-referenced observation.
    cal_intent = CAL_INTENT
    t = 0.0
    schedule = []
    for cycle in range(2):
        schedule.append((CAL_NAME, 90.0, cal_intent))
        if spec["observed"]:
            per_field = 360.0 / len(spec["pointings_arcsec"])
            for pname in pointing_names:
                schedule.append((pname, per_field, "OBSERVE_TARGET#ON_SOURCE"))
    schedule.append((CAL_NAME, 90.0, cal_intent))
    schedule_mid_s = sum(d for _, d, _ in schedule) / 2.0
    for name, duration, intent in schedule:
        for s in spec["spws"]:
            sm.observe(sourcename=name, spwname=s["name"], starttime="%.1fs" % t,
                       stoptime="%.1fs" % (t + duration), state_obs_mode=intent, project=PROJECT)
        t += duration
    sm.close()
    merge_polarization_rows(ms)
    merge_simultaneous_scans(ms)
    if len(pointing_names) > 1:
        tb = casatools.table()
        tb.open(ms + "/FIELD", nomodify=False)
        names = list(tb.getcol("NAME"))
        source_ids = tb.getcol("SOURCE_ID")
        first = names.index(pointing_names[0])
        for i, n in enumerate(names):
            if n in pointing_names:
                names[i] = spec["source"]
                source_ids[i] = source_ids[first]
        tb.putcol("NAME", np.array(names))
        tb.putcol("SOURCE_ID", source_ids)
        tb.close()

    # Field ids: 0 is the calibrator, 1.. the target pointings (same source name, as ALMA).
    tb = casatools.table()
    tb.open(ms + "/SPECTRAL_WINDOW")
    chan_freqs = [tb.getcell("CHAN_FREQ", i) for i in range(tb.nrows())]
    tb.close()

    sm.openfromms(ms)
    cal_cl = os.path.join(workdir, "cal.cl")
    cl = casatools.componentlist()
    cl.addcomponent(flux=[CAL_FLUX_JY, 0, 0, 0], fluxunit="Jy", dir=me.direction("J2000", CAL_RA, CAL_DEC), shape="point")
    cl.rename(cal_cl)
    cl.close()
    sm.setdata(spwid=list(range(len(spec["spws"]))), fieldid=[0])
    sm.predict(complist=cal_cl, incremental=False)

    truth = {"line": None, "continuum": None, "extended": None}
    if spec["observed"]:
        target_fields = list(range(1, 1 + len(spec["pointings_arcsec"])))
        sm.setdata(spwid=list(range(len(spec["spws"]))), fieldid=target_fields)
        if "continuum" in spec:
            src_cl = os.path.join(workdir, "target.cl")
            cl = casatools.componentlist()
            ra, dec = offset_direction(TARGET_RA, TARGET_DEC, *spec["continuum"]["offset_arcsec"])
            cl.addcomponent(flux=[spec["continuum"]["flux_jy"], 0, 0, 0], fluxunit="Jy",
                            dir=me.direction("J2000", "%.12frad" % ra, "%.12frad" % dec), shape="point")
            truth["continuum"] = {"flux_jy": spec["continuum"]["flux_jy"], "ra_rad": ra, "dec_rad": dec}
            if "line" in spec:
                line = spec["line"]
                _, nu0, sigma_hz = line_profile(spec, np.array([0.0]))
                truth["line"] = dict(line, lsrk_centre_hz=nu0, lsrk_sigma_hz=sigma_hz,
                                     integrated_jy_kms=line["peak_jy"] * line["fwhm_kms"] * np.sqrt(np.pi / (4 * np.log(2))))
            cl.rename(src_cl)
            cl.close()
            sm.predict(complist=src_cl, incremental=True)
        if "extended" in spec:
            # A model image, predicted with the mosaic gridder so that each pointing sees the
            # source through its own primary beam, as the sky would present it.
            ext = spec["extended"]
            # The simulator applies each pointing's primary beam (ALMA's default voltage
            # pattern) in the image plane. ftmachine='mosaic' would do it in the uv plane,
            # but CASA 6.7.0 crashes when a simulator that used it is closed.
            sm.setvp(dovp=True, usedefaultvp=True)
            for i, s in enumerate(spec["spws"]):
                model = os.path.join(workdir, "model_spw%d.im" % i)
                make_gaussian_model(model, ext, s)
                for field in target_fields:
                    sm.setdata(spwid=[i], fieldid=[field])
                    sm.predict(imagename=model, incremental=True)
            ra, dec = offset_direction(TARGET_RA, TARGET_DEC, *ext["offset_arcsec"])
            truth["extended"] = dict(ext, ra_rad=ra, dec_rad=dec)
        truth["target_fields"] = target_fields
    sm.done()

    if spec["observed"] and "line" in spec:
        add_line(ms, spec, target_dirs[0], schedule_mid_s)
    gains = corrupt(ms, workdir, antnames)
    truth["gains"] = gains
    truth["antenna_pads"] = [str(p) for p in pads]
    xyz = np.array([x, y, z], dtype=float).T
    truth["max_baseline_m"] = float(max(np.linalg.norm(a - b) for a in xyz for b in xyz))
    truth["pointings"] = [{"ra_rad": r, "dec_rad": dd} for r, dd in target_dirs]
    truth["spws"] = [dict(s, chan_freqs_topo_hz=[float(f) for f in chan_freqs[i]]) for i, s in enumerate(spec["spws"])]
    return truth


def add_line(ms, spec, direction, mid_s):
    """Adds the line to the target's visibilities: an elliptical Gaussian at the phase
    centre, whose spectrum is a Gaussian in LSRK frequency.

    Written here rather than left to the simulator: given a component spectrum with
    tabularframe="LSRK", CASA 6.7's simulator put the line about 2 x (LSRK - TOPO) away from
    its frequency, and it refuses tabularframe="TOPO". Each TOPO channel is mapped to LSRK
    with CASA's measures at mid-observation (the shift changes by < 0.01 km/s over it).
    The visibility of a Gaussian of FWHM a x b at position angle p is
    S exp(-pi^2 / (4 ln 2) (a^2 u_maj^2 + b^2 u_min^2)), u in wavelengths.
    """
    line = spec["line"]
    ra, dec = direction
    m = casatools.measures()
    m.doframe(m.observatory("ALMA"))
    m.doframe(m.epoch("UTC", qa.add(m.epoch("UTC", EPOCH)["m0"], qa.quantity(mid_s, "s"))))
    m.doframe(m.direction("J2000", "%.12frad" % ra, "%.12frad" % dec))
    tb = casatools.table()
    tb.open(ms + "/SPECTRAL_WINDOW")
    freqs = [tb.getcell("CHAN_FREQ", i) for i in range(tb.nrows())]
    tb.close()
    a = np.radians(line["major_arcsec"] / 3600.0)
    b = np.radians(line["minor_arcsec"] / 3600.0)
    pa = np.radians(line["pa_deg"])
    k = np.pi ** 2 / (4.0 * np.log(2.0))
    tb.open(ms, nomodify=False)
    for spw, topo in enumerate(freqs):
        probe = float(topo[len(topo) // 2])
        lsrk = m.measure(m.frequency("TOPO", qa.quantity(probe, "Hz")), "LSRK")["m0"]["value"]
        profile, _, _ = line_profile(spec, topo * (lsrk / probe))
        if profile.max() < 1e-6 * line["peak_jy"]:
            continue
        rows = tb.query("FIELD_ID == 1 && DATA_DESC_ID == %d" % spw)
        uvw = rows.getcol("UVW")  # metres, [3, nrow]
        data = rows.getcol("DATA")  # [pol, chan, row]
        lam = C / topo  # [chan]
        u = uvw[0][None, :] / lam[:, None]
        v = uvw[1][None, :] / lam[:, None]
        u_maj = u * np.sin(pa) + v * np.cos(pa)
        u_min = u * np.cos(pa) - v * np.sin(pa)
        vis = profile[:, None] * np.exp(-k * (a ** 2 * u_maj ** 2 + b ** 2 * u_min ** 2))
        data += vis[None, :, :].astype(data.dtype)
        rows.putcol("DATA", data)
        rows.close()
    tb.close()


def merge_polarization_rows(ms):
    """The simulator writes one identical POLARIZATION row per spw; exportasdm keeps one and
    then rejects the data descriptions that point at the others. ALMA MSs share one row."""
    tb = casatools.table()
    tb.open(ms + "/DATA_DESCRIPTION", nomodify=False)
    tb.putcol("POLARIZATION_ID", np.zeros(tb.nrows(), dtype=np.int32))
    tb.close()
    tb.open(ms + "/POLARIZATION", nomodify=False)
    if tb.nrows() > 1:
        tb.removerows(list(range(1, tb.nrows())))
    tb.close()


def merge_simultaneous_scans(ms):
    """sm.observe makes one scan per spw even when the spws are observed at the same time;
    ALMA scans hold every spw. Renumber so that simultaneous scans share one number, or the
    ASDM export splits them into scrambled scans and intents."""
    tb = casatools.table()
    tb.open(ms, nomodify=False)
    scans = tb.getcol("SCAN_NUMBER")
    times = tb.getcol("TIME")
    starts = {int(s): float(times[scans == s].min()) for s in np.unique(scans)}
    order = sorted(set(round(t, 3) for t in starts.values()))
    renumber = {s: order.index(round(t, 3)) + 1 for s, t in starts.items()}
    tb.putcol("SCAN_NUMBER", np.array([renumber[int(s)] for s in scans], dtype=np.int32))
    tb.close()


def make_gaussian_model(path, ext, spw):
    """A one-channel model image of a Gaussian, in Jy/pixel, covering the spw."""
    ia = casatools.image()
    cs = casatools.coordsys()
    csys = cs.newcoordsys(direction=True, spectral=True, stokes=["I"])
    cell = 0.5  # arcsec
    npix = 256
    ra, dec = offset_direction(TARGET_RA, TARGET_DEC, *ext["offset_arcsec"])
    csys.setreferencecode("J2000", "direction")
    # Units first: values given before them are read in the default unit (arcmin).
    csys.setunits(["rad", "rad"], "direction")
    csys.setreferencevalue([ra, dec], "direction")
    csys.setincrement([-np.radians(cell / 3600.0), np.radians(cell / 3600.0)], "direction")
    csys.setreferencepixel([npix / 2, npix / 2], "direction")
    width = spw["width_mhz"] * 1e6 * spw["nchan"]
    csys.setreferencecode("LSRK", "spectral", True)
    csys.setreferencevalue("%.1fHz" % (spw["centre_ghz"] * 1e9), "spectral")
    csys.setincrement("%.1fHz" % width, "spectral")
    ia.fromshape(path, [npix, npix, 1, 1], csys=csys.torecord(), overwrite=True)
    cl = casatools.componentlist()
    cl.addcomponent(flux=[ext["flux_jy"], 0, 0, 0], fluxunit="Jy", dir=me.direction("J2000", "%.12frad" % ra, "%.12frad" % dec),
                    shape="gaussian", majoraxis="%.2farcsec" % ext["major_arcsec"], minoraxis="%.2farcsec" % ext["minor_arcsec"],
                    positionangle="%.1fdeg" % ext["pa_deg"])
    ia.modify(cl.torecord(), subtract=False)
    ia.setbrightnessunit("Jy/pixel")
    cl.close()
    ia.close()
    csys.done()


def corrupt(ms, workdir, antnames):
    """Multiplies the model by per-antenna complex gains of known value and adds noise.

    The gains are constant in time so that the truth is exact: a correct restore divides
    them out, leaving the model plus noise.
    """
    rng = np.random.default_rng(GAIN_SEED)
    n = len(antnames)
    amp = rng.uniform(0.7, 1.3, size=n)
    phase_deg = rng.uniform(-150.0, 150.0, size=n)
    table = os.path.join(workdir, "truth.G")
    casatasks.gencal(vis=ms, caltable=table, caltype="ph", parameter=[0.0] * n, antenna=",".join(antnames))
    tb = casatools.table()
    tb.open(table, nomodify=False)
    ant = tb.getcol("ANTENNA1")
    cparam = tb.getcol("CPARAM")  # [pol, chan, row]
    for row, a in enumerate(ant):
        cparam[:, :, row] = amp[a] * np.exp(1j * np.radians(phase_deg[a]))
    tb.putcol("CPARAM", cparam)
    tb.close()
    sm = casatools.simulator()
    sm.openfromms(ms)
    sm.setapply(table=table, type="G", interp="nearest", calwt=False)
    sm.setseed(GAIN_SEED)
    sm.setnoise(mode="simplenoise", simplenoise="%.3fJy" % NOISE_JY)
    sm.corrupt()
    sm.done()
    return {"antennas": antnames, "amplitude": [float(v) for v in amp], "phase_deg": [float(v) for v in phase_deg]}


SCRIPT_FOR_PI = '''\
# ALMA Data Reduction Script: scriptForPI
# Restores the calibrated data of {mous} ({project}) from the raw ASDMs.
# Written for CASA {casa_version}. Run it from the script/ directory:
#   casa -c scriptForPI.py
# It makes ../calibrated/ and refuses to run if that exists.
import os
import re
import shutil
import sys

try:
    SPACESAVING
except NameError:
    SPACESAVING = 1
try:
    DOSPLIT
except NameError:
    DOSPLIT = True

print('# Running scriptForPI.py for {mous}')
if os.path.basename(os.getcwd()) != 'script':
    sys.exit('ERROR: scriptForPI.py must be started in the directory "script".')
if os.path.exists('../calibrated'):
    sys.exit('ERROR: the directory "calibrated" already exists. Please delete it before running this script.')
if not os.path.isdir('../raw'):
    sys.exit('ERROR: No raw directory found.')
asdms = sorted(d for d in os.listdir('../raw') if re.match(r'^uid___.*\\.asdm\\.sdm$', d))
if len(asdms) == 0:
    sys.exit('ERROR: No ASDM found in directory "raw".')

rawsize = 0
for a in asdms:
    for dirpath, dirnames, filenames in os.walk(os.path.join('../raw', a)):
        rawsize += sum(os.path.getsize(os.path.join(dirpath, f)) for f in filenames)
needed = rawsize * (11 if SPACESAVING < 2 else 6)
st = os.statvfs('..')
if st.f_bavail * st.f_frsize < needed:
    sys.exit('ERROR: probably not enough free disk space. Needed: %.1f GB' % (needed / 1e9))

os.mkdir('../calibrated')
os.chdir('../calibrated')
for a in asdms:
    eb = a[:-len('.asdm.sdm')]
    print('# Calibrating execution block ' + eb)
    os.symlink('../raw/' + a, eb)
    calscript = '../script/' + eb + '.ms.scriptForCalibration.py'
    if not os.path.exists(calscript):
        sys.exit('ERROR: ' + calscript + ' not found.')
    mysteps = []
    execfile(calscript, globals())
    if not os.path.exists(eb + '.ms.split.cal'):
        sys.exit('ERROR: ' + eb + '.ms.split.cal was not created.')
    if SPACESAVING > 0:
        for leftover in (eb + '.ms', eb + '.ms.split', eb + '.ms.flagversions', eb + '.ms.split.flagversions'):
            if os.path.isdir(leftover):
                shutil.rmtree(leftover)
    os.remove(eb)
print('# scriptForPI.py finished: calibrated data are in ../calibrated')
'''

CALIBRATION_SCRIPT = '''\
# ALMA Data Reduction Script: calibration of execution block {eb}
# Calibration of {mous} ({project}); calibrator {cal} (flux {cal_flux} Jy, manual standard).
import os
import re
import sys
import casalith

if re.search('^{casa_major_minor}', casalith.version_string()) == None:
    sys.exit('ERROR: PLEASE USE THE SAME VERSION OF CASA THAT YOU USED FOR GENERATING THE SCRIPT: {casa_version}')

thesteps = []
step_title = {{0: 'Import of the ASDM',
              1: 'Scan intents and listobs',
              2: 'A priori flagging',
              3: 'Flux scale of the calibrator',
              4: 'Gain calibration',
              5: 'Application of the calibration',
              6: 'Split out science spws'}}
try:
    print('List of steps to be executed ...', mysteps)
    thesteps = mysteps
except NameError:
    pass
if len(thesteps) == 0:
    thesteps = list(range(len(step_title)))

asdm = '{eb}'
ms = asdm + '.ms'

mystep = 0
if mystep in thesteps:
    casalog.post('Step ' + str(mystep) + ' ' + step_title[mystep], 'INFO')
    if os.path.exists(ms):
        shutil.rmtree(ms)
    importasdm(asdm=asdm, vis=ms, asis='Antenna Station Receiver Source CalAtmosphere CalWVR', overwrite=True)

mystep = 1
if mystep in thesteps:
    casalog.post('Step ' + str(mystep) + ' ' + step_title[mystep], 'INFO')
    # This ASDM was written by CASA's exportasdm, which records every scan as OBSERVE_TARGET:
    # give the calibrator its calibration intents back.
    tb.open(ms + '/FIELD')
    cal_ids = [i for i, n in enumerate(tb.getcol('NAME')) if n == '{cal}']
    tb.close()
    tb.open(ms + '/STATE', nomodify=False)
    tb.addrows(1)
    cal_state = tb.nrows() - 1
    tb.putcell('OBS_MODE', cal_state, '{cal_intent}')
    tb.close()
    tb.open(ms, nomodify=False)
    for cal_id in cal_ids:
        sel = tb.query('FIELD_ID == %d' % cal_id)
        sel.putcol('STATE_ID', [cal_state] * sel.nrows())
        sel.close()
    tb.close()
    listobs(vis=ms, listfile=ms + '.listobs', overwrite=True)

mystep = 2
if mystep in thesteps:
    casalog.post('Step ' + str(mystep) + ' ' + step_title[mystep], 'INFO')
    flagdata(vis=ms, mode='manual', autocorr=True, flagbackup=False)
    flagdata(vis=ms, mode='shadow', flagbackup=False)

mystep = 3
if mystep in thesteps:
    casalog.post('Step ' + str(mystep) + ' ' + step_title[mystep], 'INFO')
    setjy(vis=ms, field='{cal}', standard='manual', fluxdensity=[{cal_flux}, 0, 0, 0], usescratch=True)

mystep = 4
if mystep in thesteps:
    casalog.post('Step ' + str(mystep) + ' ' + step_title[mystep], 'INFO')
    gaincal(vis=ms, caltable=ms + '.phase_int', field='{cal}', solint='int', refant='{refant}', calmode='p', minsnr=2.0)
    gaincal(vis=ms, caltable=ms + '.ampli_inf', field='{cal}', solint='inf', refant='{refant}', calmode='a',
            gaintable=[ms + '.phase_int'])
    gaincal(vis=ms, caltable=ms + '.phase_inf', field='{cal}', solint='inf', refant='{refant}', calmode='p',
            gaintable=[ms + '.ampli_inf'])

mystep = 5
if mystep in thesteps:
    casalog.post('Step ' + str(mystep) + ' ' + step_title[mystep], 'INFO')
    applycal(vis=ms, field='', gaintable=[ms + '.ampli_inf', ms + '.phase_inf'], gainfield=['{cal}', '{cal}'],
             interp=['linear', 'linear'], calwt=False, flagbackup=False)

mystep = 6
if mystep in thesteps:
    casalog.post('Step ' + str(mystep) + ' ' + step_title[mystep], 'INFO')
    split(vis=ms, outputvis=ms + '.split', datacolumn='corrected', spw='{science_spws}', keepflags=True)
    if os.path.exists(ms + '.split.cal'):
        shutil.rmtree(ms + '.split.cal')
    os.rename(ms + '.split', ms + '.split.cal')
'''

README = '''\
This file describes the data delivered for ALMA project {project}.

Member ObsUnitSet: {mous_uid}
Science target:    {source}
Calibration:       manual, CASA {casa_version}

Directory structure:
  script/       scriptForPI.py and the calibration script of each execution block
  calibration/  calibration material (flux values of the calibrator)
  raw/          the raw data, one ASDM per execution block
  product/      (reserved for the imaging products)
  qa/           quality assessment report

To restore the calibrated measurement sets, go to script/ and run, in CASA {casa_version}:
  execfile('scriptForPI.py')
The calibrated data are written to calibrated/.

This delivery was simulated by reimage with CASA's simulator; it is not real ALMA data.
'''


def mous_uid(file_id):
    a, b, c = file_id[len("uid___"):].split("_")
    return "uid://%s/%s/%s" % (a, b, c)


def write_delivery(out_dir, name, spec, ms, truth):
    member = os.path.join(out_dir, "mirror", PROJECT, "science_goal." + SCIENCE_GOAL, "group." + GROUP, "member." + spec["mous"])
    if os.path.exists(member):
        shutil.rmtree(member)
    for sub in ("script", "calibration", "raw", "product", "qa"):
        os.makedirs(os.path.join(member, sub))
    eb = spec["eb"]
    log("%s: exporting the raw data as ASDM %s" % (name, eb))
    casatasks.exportasdm(vis=ms, asdm=os.path.join(member, "raw", eb + ".asdm.sdm"), archiveid="A002", rangeid="Xb10001",
                         verbose=False)
    values = dict(
        mous=spec["mous"], mous_uid=mous_uid(spec["mous"]), project=PROJECT, eb=eb, cal=CAL_NAME, cal_flux=CAL_FLUX_JY,
        casa_version=CASA_VERSION, casa_major_minor=".".join(CASA_VERSION.split(".")[:2]).replace(".", "\\\\."),
        refant=truth["gains"]["antennas"][0], cal_intent=CAL_INTENT, science_spws=",".join(str(i) for i in range(len(spec["spws"]))),
        source=spec["source"],
    )
    with open(os.path.join(member, "script", "scriptForPI.py"), "w") as f:
        f.write(SCRIPT_FOR_PI.format(**values))
    with open(os.path.join(member, "script", eb + ".ms.scriptForCalibration.py"), "w") as f:
        f.write(CALIBRATION_SCRIPT.format(**values))
    with open(os.path.join(member, "calibration", eb + ".flux.csv"), "w") as f:
        f.write("field,spw,frequency_hz,flux_jy,comment\n")
        for i, s in enumerate(spec["spws"]):
            f.write("%s,%d,%.1f,%.4f,manual\n" % (CAL_NAME, i, s["centre_ghz"] * 1e9, CAL_FLUX_JY))
    with open(os.path.join(member, "README"), "w") as f:
        f.write(README.format(**values))
    with open(os.path.join(member, "qa", spec["mous"] + ".qa2_report.txt"), "w") as f:
        f.write("QA2 report for %s\nCASA version used for calibration: %s\nQA2 status: PASS\n" % (mous_uid(spec["mous"]), CASA_VERSION))
    return member


def obscore_row(truth, member_bytes):
    """One row as the ALMA ObsCore service (ivoa.obscore) would list this MOUS."""
    freqs = []
    for sp in truth["spws"]:
        half = sp["nchan"] * sp["width_mhz"] / 2000.0
        freqs.append((sp["centre_ghz"] - half, sp["centre_ghz"] + half, sp["width_mhz"] * 1000.0))
    lo = min(f[0] for f in freqs)
    hi = max(f[1] for f in freqs)
    mean_hz = (lo + hi) / 2.0 * 1e9
    ra = qa.convert(qa.quantity(TARGET_RA), "deg")["value"] % 360.0
    dec = qa.convert(qa.quantity(TARGET_DEC), "deg")["value"]
    offsets = [p for p in MOUSES[truth["name"]]["pointings_arcsec"]]
    spread = max(abs(a[0] - b[0]) for a in offsets for b in offsets) / 3600.0
    fov = 1.13 * C / (lo * 1e9) / 12.0 * 180.0 / np.pi + spread
    pads = truth["antenna_pads"]
    return {
        "obs_publisher_did": "ADS/JAO.ALMA#" + PROJECT,
        "obs_id": truth["mous_uid"],
        "member_ous_uid": truth["mous_uid"],
        "group_ous_uid": mous_uid(GROUP),
        "proposal_id": PROJECT,
        "target_name": truth["source"],
        "s_ra": "%.6f" % ra,
        "s_dec": "%.6f" % dec,
        "s_fov": "%.6f" % fov,
        "s_region": "Circle ICRS %.6f %.6f %.6f" % (ra, dec, fov / 2.0),
        "spatial_resolution": "%.4f" % (C / mean_hz / truth["max_baseline_m"] * 206264.806),
        "band_list": "3",
        "antenna_arrays": " ".join("%s:%s" % (p, a) for p, a in zip(pads, truth["gains"]["antennas"])),
        "is_mosaic": "T" if len(offsets) > 1 else "F",
        "frequency_support": " U ".join("[%.4f..%.4fGHz,%.2fkHz,XX YY]" % f for f in freqs),
        "velocity_resolution": "%.1f" % min(C * f[2] * 1e3 / ((f[0] + f[1]) / 2.0 * 1e9) for f in freqs),
        "em_min": "%.9f" % (C / (hi * 1e9)),
        "em_max": "%.9f" % (C / (lo * 1e9)),
        "t_exptime": "%.1f" % (720.0 if truth["observed"] else 0.0),
        "obs_release_date": "2025-03-15T00:00:00.000",
        "qa2_passed": "T",
        "access_estsize": "%d" % (member_bytes // 1000),
    }


def tree_bytes(path):
    return sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(path) for f in fs)


def write_obscore(out_dir):
    """The archive's holdings list, as a CSV answer of ALMA's ObsCore service would give it."""
    rows = []
    for name in sorted(os.listdir(os.path.join(out_dir, "truth"))):
        with open(os.path.join(out_dir, "truth", name)) as f:
            truth = json.load(f)
        if "antenna_pads" not in truth:
            continue
        rows.append(obscore_row(truth, tree_bytes(os.path.join(out_dir, truth["member_dir"]))))
    columns = list(rows[0].keys())
    with open(os.path.join(out_dir, "obscore.csv"), "w") as f:
        f.write(",".join(columns) + "\n")
        for r in rows:
            f.write(",".join('"%s"' % r[c] if ("," in r[c] or " " in r[c]) else r[c] for c in columns) + "\n")


def main(argv):
    if len(argv) < 2:
        sys.exit("usage: demo_archive.py OUT_DIR [MOUS_NAME ...]")
    out_dir = os.path.abspath(argv[1])
    names = argv[2:] or list(MOUSES)
    unknown = [n for n in names if n not in MOUSES]
    if unknown:
        sys.exit("unknown demo MOUS: %s (known: %s)" % (", ".join(unknown), ", ".join(MOUSES)))
    os.makedirs(os.path.join(out_dir, "truth"), exist_ok=True)
    for name in names:
        spec = MOUSES[name]
        workdir = os.path.join(out_dir, "build", name)
        if os.path.exists(workdir):
            shutil.rmtree(workdir)
        os.makedirs(workdir)
        ms = os.path.join(workdir, spec["eb"] + ".ms")
        log("%s: simulating %s (%d pointing(s), %d spws)" % (name, spec["mous"], len(spec["pointings_arcsec"]), len(spec["spws"])))
        truth = simulate(spec, ms, workdir)
        member = write_delivery(out_dir, name, spec, ms, truth)
        truth.update(name=name, mous=spec["mous"], mous_uid=mous_uid(spec["mous"]), project=PROJECT, eb=spec["eb"],
                     source=spec["source"], calibrator={"name": CAL_NAME, "flux_jy": CAL_FLUX_JY}, noise_jy=NOISE_JY,
                     integration_s=INTEGRATION_S, casa_version=CASA_VERSION, observed=spec["observed"],
                     member_dir=os.path.relpath(member, out_dir))
        with open(os.path.join(out_dir, "truth", spec["mous"] + ".json"), "w") as f:
            json.dump(truth, f, indent=2)
        if not os.environ.get("REIMAGE_DEMO_KEEP_BUILD"):
            shutil.rmtree(workdir)
        log("%s: delivery written to %s" % (name, os.path.relpath(member, out_dir)))
    if not os.environ.get("REIMAGE_DEMO_KEEP_BUILD"):
        shutil.rmtree(os.path.join(out_dir, "build"), ignore_errors=True)
    write_obscore(out_dir)


if __name__ == "__main__":
    main(sys.argv)
