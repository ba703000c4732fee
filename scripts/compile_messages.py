#!/usr/bin/env python3
"""Compile locale/*/LC_MESSAGES/*.po into .mo files without needing GNU gettext installed."""

from pathlib import Path

import polib

root = Path(__file__).resolve().parent.parent / "locale"
for po_path in sorted(root.glob("*/LC_MESSAGES/*.po")):
    po = polib.pofile(str(po_path))
    po.save_as_mofile(str(po_path.with_suffix(".mo")))
    print(f"compiled {po_path.relative_to(root.parent)} ({po.percent_translated()}% translated)")
