"""The name an uploaded file is kept under: what the client sent, made harmless.

The name becomes the resource's url (its download URL's last segment), its name
when none is given, a version's file name and the Content-Disposition of downloads.
A client chooses it freely, so it may carry a path ("../../etc/passwd", "C:\\x",
with full-width or other look-alike slashes), control characters (NUL, newlines
that split headers), bidirectional overrides that disguise an extension
("\\u202egpj.exe" shows as "exe.jpg"), or run to thousands of characters. The
blob itself is stored by its hash, never by this name.
"""

from __future__ import annotations

import re
import unicodedata

MAX_LENGTH = 200
MAX_EXTENSION = 16
FALLBACK = "upload"

# "/" and "\" and the characters that look like them (full-width, division and
# fraction slashes, the small reverse solidus).
_SEPARATORS = re.compile("[/\\\\\uff0f\uff3c\u2215\u2044\u29f5\u29f8\u29f9\ufe68]")
_DOTS = re.compile(r"\.{2,}")


def _visible(ch: str) -> bool:
    # Cc controls (NUL, newlines), Cf format characters (bidirectional overrides,
    # zero-width spaces, BOM), Cs lone surrogates, Co private use, Cn unassigned;
    # Zl/Zp line and paragraph separators.
    return not unicodedata.category(ch).startswith(("C", "Zl", "Zp"))


def safe_filename(raw: str) -> str:
    """The last path segment of `raw`, NFC, without control or format characters,
    runs of dots, leading dots (".csv" becomes "upload.csv") or trailing dots and
    spaces, at most MAX_LENGTH characters (the extension kept); FALLBACK when nothing
    is left."""
    name = unicodedata.normalize("NFC", str(raw))
    name = "".join(ch for ch in name if _visible(ch))
    name = _SEPARATORS.split(name)[-1]
    name = _DOTS.sub(".", name).strip()
    if name.startswith("."):  # a hidden file's name, or an extension left alone
        name = FALLBACK + name
    name = name.rstrip(" .")
    if len(name) > MAX_LENGTH:
        stem, dot, ext = name.rpartition(".")
        if dot and stem and 0 < len(ext) <= MAX_EXTENSION:
            name = stem[: MAX_LENGTH - len(ext) - 1].rstrip(" .") + "." + ext
        else:
            name = name[:MAX_LENGTH].rstrip(" .")
    return name or FALLBACK
