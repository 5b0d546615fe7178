"""Stand-in for monolithic CASA's `casalith` module inside a modular CASA.

Delivered CASA 6 calibration scripts assert the CASA version with
`casalith.version_string()` / `casalith.version()`. Modular CASA has no casalith, so an
unmodified script stops with ModuleNotFoundError. reimage puts this folder on PYTHONPATH
only after version discovery chose this runtime for the delivery, so the answer is the
version of the CASA actually running, never a pretended one.
"""
import casatools as _casatools


def version():
    return list(_casatools.version())


def version_string():
    return _casatools.version_string()
