#!/usr/bin/env python3
"""Fail when a Spanish or English catalogue has an untranslated or fuzzy entry.

CI first runs `makemessages` so that every string in the code is in the catalogues;
this script then proves each one is translated.
"""

import sys
from pathlib import Path

import polib

root = Path(__file__).resolve().parent.parent / "locale"
problems = []
for po_path in sorted(root.glob("*/LC_MESSAGES/django.po")):
    lang = po_path.parts[-3]
    for entry in polib.pofile(str(po_path)):
        if entry.obsolete:
            continue
        if "fuzzy" in entry.flags:
            problems.append(f"{lang}: fuzzy: {entry.msgid!r}")
        elif lang != "en" and not entry.translated():
            problems.append(f"{lang}: untranslated: {entry.msgid!r}")
for problem in problems:
    print(problem)
if problems:
    print(f"{len(problems)} translation problem(s).")
    sys.exit(1)
print("All strings translated.")
