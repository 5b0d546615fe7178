"""An `es` object for calibration scripts that call analysisUtils' data-reduction helpers.

Cycle 1-3 calibration scripts call `es.fixForCSV2555(ms)` right after importasdm; `es` is
`aU.stuffForScienceDataReduction()` from analysisUtils, which CASA does not ship. reimage's
known fix `supply-es-helpers` defines `es` in the restore's globals with this object:
fixForCSV2555 runs reimage's CSV-2555 repair (casa-scripts/fixes/csv2555.py); any other
helper stops the script with a message naming it, never silently.
"""
import json
import os
import sys

_FIXES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "fixes")
sys.path.insert(0, _FIXES)
import csv2555 as _csv2555  # noqa: E402


class ScienceDataReductionHelpers:
    def fixForCSV2555(self, vis):
        mismatches, ambiguous = _csv2555.inspect(vis)
        repaired = _csv2555.repair(vis, mismatches)
        print("reimage es.fixForCSV2555(%s): %d SOURCE name(s) repaired, %d ambiguous" % (vis, repaired, len(ambiguous)))
        record = os.environ.get("REIMAGE_FIX_RECORD")
        if record:
            with open(record, "a") as f:
                f.write(json.dumps({"fix": "csv2555-source-names", "ms": vis, "repaired": repaired, "ambiguous": ambiguous}) + "\n")

    def __getattr__(self, name):
        raise NotImplementedError(
            "ERROR: es.%s (analysisUtils) is not supplied by reimage; install analysisUtils in the restoring CASA" % name
        )


es = ScienceDataReductionHelpers()
