"""Is this a text file, and in which encoding?

Detection, in order:
1. a byte-order mark: UTF-8 (read as utf-8-sig), UTF-16 LE/BE, UTF-32;
2. the signature of a known binary format (PDF, ZIP, OLE/.xls, PNG...) or NUL
   bytes -> TableError "... is not a text table: ..." (UTF-16 without a BOM is
   recognised by its pattern of NUL bytes first);
3. strict UTF-8 over a sample (the first MiB; when that is pure ASCII, from the
   first non-ASCII byte of the file, so a GBK file whose first MiB happens to be
   ASCII is not taken for UTF-8);
4. GB18030, a superset of GBK and GB2312 (every GBK file decodes with it);
5. charset-normalizer, for the rest (Big5, Shift-JIS, Latin-1...).

A sample that starts as valid UTF-8 with non-ASCII text and then breaks is
"mixed encodings" (a TableError naming the line), not GB18030: decoding it as
GB18030 would silently turn the UTF-8 part into mojibake. Past the sample, the
readers decode strictly and report the first bad line the same way
(`mixed_encoding_error`).
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path

from desensitize.tables import TableError

SAMPLE_BYTES = 1 << 20

_HIGH_BYTE = re.compile(rb"[\x80-\xff]")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_HAN = re.compile(r"[\u4e00-\u9fff]")
_CHINESE_LINE = re.compile(r"[\x00-\x7f\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]*")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x19\x1b-\x1f]")

BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),  # before UTF-16 LE, whose BOM is its prefix
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)

MAGIC = (
    (b"%PDF", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive (an .xlsx or .docx file?)"),
    (b"PK\x05\x06", "an empty ZIP archive"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an OLE document (an old .xls or .doc file?)"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
    (b"SQLite format 3\x00", "an SQLite database"),
    (b"\x7fELF", "a program"),
)

# Encodings whose every byte below 0x80 is ASCII: b"\n" always ends a line.
ASCII_COMPATIBLE = {"utf-8", "utf-8-sig", "gb18030", "big5", "shift_jis", "euc_jp", "euc_kr",
                    "latin-1", "iso8859-1", "cp1252", "ascii"}


def normalize_encoding(name: str) -> str:
    """A codec name as Python knows it; GBK and GB2312 are read as GB18030."""
    try:
        codec = codecs.lookup(name).name
    except LookupError:
        raise TableError(f"unknown encoding {name!r}") from None
    return "gb18030" if codec in ("gbk", "gb2312", "cp936", "hz") else codec


def read_head(path: Path, size: int = SAMPLE_BYTES) -> bytes:
    with path.open("rb") as f:
        return f.read(size)


def binary_kind(head: bytes) -> str | None:
    """What binary format the first bytes announce, if any."""
    for magic, what in MAGIC:
        if head.startswith(magic):
            return what
    return None


def detect_encoding(path: Path, head: bytes, given: str | None = None) -> str:
    """The encoding to read `path` with; TableError when it is not text."""
    source = path.name
    bom = next((encoding for mark, encoding in BOMS if head.startswith(mark)), None)
    what = None if bom else binary_kind(head)
    if what:
        raise TableError(f"{source} is not a text table: it looks like {what}")
    if given:
        try:
            encoding = normalize_encoding(given)
        except TableError as error:
            raise TableError(f"{source}: {error}") from None
        if encoding == "utf-8" and bom == "utf-8-sig":
            encoding = "utf-8-sig"
        if b"\x00" in head and encoding in ASCII_COMPATIBLE:
            raise TableError(f"{source} is not a text table: it contains NUL bytes "
                             "(a binary file?)")
        return encoding
    if bom:
        return bom
    if b"\x00" in head:
        encoding = _utf16_without_bom(head)
        if encoding:
            return encoding
        raise TableError(f"{source} is not a text table: it contains NUL bytes "
                         "(a binary file?)")
    whole = len(head) < SAMPLE_BYTES
    if head.isascii():
        _check_printable(head, "ascii", source)
        if whole:
            return "utf-8"  # pure ASCII
        sample, final, lines_before = _first_non_ascii(path)
        if not sample:
            return "utf-8"
    else:
        sample, final, lines_before = head, whole, 0
    encoding = _guess(path, sample, final, lines_before)
    _check_printable(sample, encoding, source)
    return encoding


def _decodes(sample: bytes, encoding: str, final: bool) -> UnicodeDecodeError | None:
    """Validate in 64 KiB steps, so a 1 MiB sample never becomes one big string."""
    decoder = codecs.getincrementaldecoder(encoding)()
    view = memoryview(sample)
    step = 1 << 16
    try:
        for start in range(0, len(sample), step):
            decoder.decode(view[start:start + step], final and start + step >= len(sample))
    except UnicodeDecodeError as error:
        error.start += start
        return error
    return None


def _guess(path: Path, sample: bytes, final: bool, lines_before: int) -> str:
    source = path.name
    error = _decodes(sample, "utf-8", final)
    if error is None:
        return "utf-8"
    good = sample[max(0, error.start - 4096):error.start].decode("utf-8", "ignore")
    if len(_NON_ASCII.findall(good)) >= 4:
        raise mixed_encoding_error(path, "utf-8") from None
    _check_one_encoding(sample, final, lines_before, source)
    if _decodes(sample, "gb18030", final) is None:
        return "gb18030"
    from charset_normalizer import from_bytes

    best = from_bytes(sample).best()
    if best is None or not best.encoding:
        raise TableError(f"{source} is not a text table: its bytes are not text in any "
                         "known encoding")
    return normalize_encoding(best.encoding)


def _check_one_encoding(sample: bytes, final: bool, lines_before: int, source: str) -> None:
    """Lines of UTF-8 Chinese beside lines of GBK are mixed encodings."""
    lines = sample.split(b"\n")
    if not final:
        lines.pop()  # may be cut in the middle of a character
    seen: dict[str, int] = {}
    for number, line in enumerate(lines, start=lines_before + 1):
        if line.isascii():
            continue
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError:
            try:
                line.decode("gb18030")
            except UnicodeDecodeError:
                continue
            kind = "GBK/GB18030"
        else:
            # GBK bytes pass as UTF-8 now and then, but as Latin or Cyrillic letters,
            # not as a run of Chinese: only Chinese text counts as a UTF-8 line.
            if len(_HAN.findall(text)) < 2 or not _CHINESE_LINE.fullmatch(text):
                continue
            kind = "UTF-8"
        seen.setdefault(kind, number)
        if len(seen) == 2:
            (first, at), (other, _) = seen.items()
            raise TableError(f"{source}: line {number} is {other} while line {at} is "
                             f"{first}: mixed encodings")


def _first_non_ascii(path: Path) -> tuple[bytes, bool, int]:
    """64 KiB from the first non-ASCII byte of the file (b"" for pure ASCII), whether
    that reaches the end of the file, and the number of lines before it."""
    lines = 0
    with path.open("rb") as f:
        while chunk := f.read(SAMPLE_BYTES):
            found = _HIGH_BYTE.search(chunk)
            if found:
                line_start = chunk.rfind(b"\n", 0, found.start()) + 1
                lines += chunk.count(b"\n", 0, line_start)
                f.seek(f.tell() - len(chunk) + line_start)
                sample = f.read(1 << 16)
                return sample, len(sample) < 1 << 16, lines
            lines += chunk.count(b"\n")
    return b"", True, lines


def _utf16_without_bom(head: bytes) -> str | None:
    """Mostly-ASCII UTF-16 puts a NUL in every other byte."""
    sample = head[:4096]
    even, odd = sample[0::2], sample[1::2]
    if len(odd) < 2:
        return None
    if odd.count(0) > 0.4 * len(odd) and even.count(0) < 0.05 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.4 * len(even) and odd.count(0) < 0.05 * len(odd):
        return "utf-16-be"
    return None


def _check_printable(sample: bytes, encoding: str, source: str) -> None:
    text = sample[:1 << 16].decode(encoding, "replace")
    controls = len(_CONTROL.findall(text))
    if controls > max(8, len(text) // 100):
        raise TableError(f"{source} is not a text table: it is full of control characters "
                         "(a binary file?)")


def mixed_encoding_error(path: Path, encoding: str) -> TableError:
    """The TableError for a file that stops decoding part-way, naming the first bad line."""
    source = path.name
    if encoding not in ASCII_COMPATIBLE:
        return TableError(f"{source} is not valid {encoding} throughout: mixed encodings "
                          "or a damaged file")
    decoder = codecs.getincrementaldecoder("utf-8" if encoding == "utf-8-sig" else encoding)()
    lines = 0
    with path.open("rb") as f:
        while chunk := f.read(SAMPLE_BYTES):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as error:
                held = len(error.object) - len(chunk)  # bytes kept from the chunk before
                lines += chunk.count(b"\n", 0, max(error.start - held, 0))
                break
            lines += chunk.count(b"\n")
        else:
            return TableError(f"{source} is not valid {encoding} throughout: mixed encodings")
    if lines == 0:
        return TableError(f"{source}: line 1 is not valid {encoding}; is that the right "
                          "encoding?")
    return TableError(f"{source}: line {lines + 1} is not valid {encoding} although the lines "
                      "before it are: mixed encodings")
