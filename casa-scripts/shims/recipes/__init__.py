"""Stand-in for CASA 4/5's `recipes` package, which modular CASA 6 does not ship.

Put on PYTHONPATH by reimage's known fix `supply-almahelpers`, only for deliveries whose
calibration scripts import it, and recorded on the restore.
"""
