"""CSV-2555: SOURCE names that disagree with the FIELD names of the same source.

Usage (CASA's Python):
    python csv2555.py check|repair OUT.json MS [MS ...]

The condition is the one ALMA's ASDM checker tests (`iscsv2555`): for every source id, the
SOURCE table's NAME equals the NAME of the FIELD rows that point at it. Data written while
the ticket was open break it, and tasks that select by source (listobs summaries, the
pipeline's target lists, split by field name through the SOURCE table) then disagree with
tasks that select by field. The repair is reimage's own: every SOURCE row takes the name of
the field(s) of its source id, when those fields agree on one name; rows whose fields
disagree among themselves are reported and left alone.

Writes {"measurementSets": [{"ms", "mismatches": [{"sourceId", "sourceName", "fieldNames"}],
"repaired": n, "ambiguous": [...]}]}.
"""
import json
import sys

import casatools


def inspect(ms):
    tb = casatools.table()
    tb.open(ms + "/FIELD")
    try:
        field_names = [str(n).strip() for n in tb.getcol("NAME")]
        field_sources = [int(s) for s in tb.getcol("SOURCE_ID")]
    finally:
        tb.close()
    by_source = {}
    for name, sid in zip(field_names, field_sources):
        if sid >= 0:
            by_source.setdefault(sid, set()).add(name)
    tb.open(ms + "/SOURCE")
    try:
        ids = [int(s) for s in tb.getcol("SOURCE_ID")] if tb.nrows() > 0 else []
        names = [str(n).strip() for n in tb.getcol("NAME")] if tb.nrows() > 0 else []
    finally:
        tb.close()
    mismatches = []
    ambiguous = []
    for row, (sid, name) in enumerate(zip(ids, names)):
        fields = by_source.get(sid)
        if not fields or name in fields:
            continue
        entry = {"row": row, "sourceId": sid, "sourceName": name, "fieldNames": sorted(fields)}
        (mismatches if len(fields) == 1 else ambiguous).append(entry)
    return mismatches, ambiguous


def repair(ms, mismatches):
    if not mismatches:
        return 0
    tb = casatools.table()
    tb.open(ms + "/SOURCE", nomodify=False)
    try:
        for m in mismatches:
            tb.putcell("NAME", m["row"], m["fieldNames"][0])
        tb.flush()
    finally:
        tb.close()
    return len(mismatches)


def main(argv):
    mode, out, mss = argv[1], argv[2], argv[3:]
    if mode not in ("check", "repair"):
        raise SystemExit("usage: csv2555.py check|repair OUT.json MS [MS ...]")
    results = []
    for ms in mss:
        mismatches, ambiguous = inspect(ms)
        repaired = repair(ms, mismatches) if mode == "repair" else 0
        results.append({"ms": ms, "mismatches": mismatches, "ambiguous": ambiguous, "repaired": repaired})
    with open(out, "w") as f:
        json.dump({"measurementSets": results}, f, indent=1)


if __name__ == "__main__":
    main(sys.argv)
