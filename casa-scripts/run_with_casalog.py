"""Runs a script in plain Python (modular CASA) with the CASA log written to a chosen file.

usage: python run_with_casalog.py LOG SCRIPT [ARGS...]

The script runs as __main__ with sys.argv = [SCRIPT, ARGS...], as `python SCRIPT ARGS...`
would run it. Without this, casatasks opens `casa-<date>.log` in the working folder the
moment it is imported, and every run leaves a stray log where nobody looks for it.
"""
import os
import runpy
import sys


def main():
    if len(sys.argv) < 3:
        sys.exit("usage: run_with_casalog.py LOG SCRIPT [ARGS...]")
    log = os.path.abspath(sys.argv[1])
    script = os.path.abspath(sys.argv[2])

    # casatasks creates its log sink at import from casaconfig's `logfile`: set it first,
    # so the default casa-<date>.log is never created.
    from casaconfig import config
    config.logfile = log
    import casatasks
    casatasks.casalog.setlogfile(log)

    sys.argv = [script] + sys.argv[3:]
    sys.path.insert(0, os.path.dirname(script))
    runpy.run_path(script, run_name="__main__")


if __name__ == "__main__":
    main()
