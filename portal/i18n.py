"""Translations: compile themes' .po catalogs to .mo (`python -m portal.i18n compile`)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from portal.settings import PROJECT_ROOT


def compile_all(root: Path = PROJECT_ROOT / "themes") -> int:
    count = 0
    for po_path in root.glob("*/translations/*/LC_MESSAGES/*.po"):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as po:
            catalog = read_po(po)
        # Write beside, then rename: a process starting meanwhile never reads half a catalog.
        tmp_path = mo_path.with_suffix(f".mo.{os.getpid()}.tmp")
        with tmp_path.open("wb") as mo:
            write_mo(mo, catalog)
        os.replace(tmp_path, mo_path)
        count += 1
    return count


if __name__ == "__main__":
    if sys.argv[1:] != ["compile"]:
        sys.exit("usage: python -m portal.i18n compile")
    compile_all()
