"""A messy corpus for the release gate: files as departments upload them.

`generate_messy(folder, size)` writes a few files and remembers every raw personal
value planted in them (`Secret`) and every value the law makes public (`Public`):

- people.csv: a CSV preface above the header (填报单位：…联系人：张三 身份证号 … 电话 …),
  mistyped identifiers (wrong check character, a digit short or extra), identifiers
  with spaces or hyphens, full-width digits, a footer (制表人：…　审核人：…　电话：…);
- people.xlsx: a title row, cell comments naming people, a hidden sheet with the raw
  list, a footer row;
- companies.csv: a company register whose 统一社会信用代码 and 法定代表人 columns are
  public by law (企业信息公示暂行条例), with a personal contact column beside them;
- offices.csv: offices' phones (办公电话, public by law) and the duty officer's name
  and mobile (personal);
- notice.txt: sentences with mistyped and separated identifiers.

`items_for(name)` says what the catalog declares for each file's columns (plain
dicts, turned into `desensitize.declared.DataItem` by the caller). `leaks(released,
corpus)` counts, per class, the secrets found in any released file, verbatim or with
separators stripped and full-width characters folded; `kept_public(released, corpus)`
counts the public values kept verbatim. bench/desensitize_eval.py runs the gate on
every file for unconditional-open and prints both; tests/desensitize/test_messy_corpus.py
checks the labels.
"""

from __future__ import annotations

import csv
import re
import unicodedata
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from desensitize.evaluation.corpus import ORGS, SEED, Maker

COMPANY_BASIS = "企业信息公示暂行条例"
OFFICE_BASIS = "政府信息公开条例"
FULL_WIDTH = str.maketrans("0123456789Xx-", "０１２３４５６７８９ＸＸ－")
_SEPARATORS = re.compile(r"[\s\-‐‑‒–—―－_]+")


@dataclass(frozen=True)
class Secret:
    """A raw personal value planted in a file: it must not be released."""

    kind: str  # its class: "resident_id:wrong check", "name:preface", "mobile:comment"
    text: str  # as written in the file
    file: str


@dataclass(frozen=True)
class Public:
    """A value the law makes public: it must be released as it is."""

    kind: str  # "uscc", "legal_representative", "office_phone"
    text: str
    file: str


@dataclass
class MessyCorpus:
    folder: Path
    files: dict[str, Path] = field(default_factory=dict)
    secrets: list[Secret] = field(default_factory=list)
    public: list[Public] = field(default_factory=list)

    def classes(self) -> Counter[str]:
        return Counter(s.kind for s in self.secrets)


ITEMS: dict[str, list[dict[str, Any]]] = {
    "people.csv": [{"name": "姓名", "personal": True}, {"name": "身份证号", "personal": True},
                   {"name": "手机号码", "personal": True}],
    "people.xlsx": [{"name": "姓名", "personal": True}, {"name": "身份证号", "personal": True},
                    {"name": "手机号码", "personal": True}],
    "companies.csv": [
        {"name": "统一社会信用代码", "public_by_law": True, "legal_basis": COMPANY_BASIS},
        {"name": "法定代表人", "public_by_law": True, "legal_basis": COMPANY_BASIS},
        {"name": "企业名称"}, {"name": "联系人", "personal": True},
        {"name": "联系人手机", "personal": True}],
    "offices.csv": [{"name": "办公电话", "public_by_law": True, "legal_basis": OFFICE_BASIS},
                    {"name": "机构名称"}, {"name": "值班人", "personal": True},
                    {"name": "值班手机", "personal": True}],
}


def items_for(name: str) -> list[dict[str, Any]]:
    """The catalog's data items of a file, as keyword arguments of DataItem."""
    return [dict(item) for item in ITEMS.get(name, [])]


# --- values ---------------------------------------------------------------------------

class _Values:
    """Distinct values from a corpus Maker: no name is part of another one."""

    def __init__(self, seed: int) -> None:
        self.maker = Maker(seed)
        self.rng = self.maker.rng
        self.names: list[str] = []

    def name(self) -> str:
        while True:
            n = self.maker.name()
            if not any(n in m or m in n for m in self.names):
                self.names.append(n)
                return n

    def mobile(self) -> str:
        return self.rng.choice(("13", "15", "18", "17", "19")) + self.maker.digits(9)

    def resident_id(self) -> str:
        return self.maker.resident_id()

    def messy_id(self) -> tuple[str, str]:
        """(text, class) of a resident ID as mistyped or written with separators."""
        n = self.resident_id()
        form = self.rng.choice(("wrong check", "short", "extra", "spaced", "hyphenated",
                                "full-width", "plain"))
        if form == "wrong check":
            text = n[:-1] + self.rng.choice([c for c in "0123456789X" if c != n[-1]])
        elif form == "short":
            i = self.rng.randrange(6, 17)
            text = n[:i] + n[i + 1:]
        elif form == "extra":
            i = self.rng.randrange(6, 17)
            text = n[:i] + self.rng.choice("0123456789") + n[i:]
        elif form == "spaced":
            text = f"{n[:6]} {n[6:14]} {n[14:]}"
        elif form == "hyphenated":
            text = f"{n[:6]}-{n[6:14]}-{n[14:]}"
        elif form == "full-width":
            text = n.translate(FULL_WIDTH)
        else:
            text = n
        return text, f"resident_id:{form}"

    def messy_mobile(self) -> tuple[str, str]:
        n = self.mobile()
        form = self.rng.choice(("short", "extra", "spaced", "hyphenated", "full-width",
                                "plain"))
        text = {"short": n[:-1], "extra": n + self.rng.choice("0123456789"),
                "spaced": f"{n[:3]} {n[3:7]} {n[7:]}", "hyphenated": f"{n[:3]}-{n[3:7]}-{n[7:]}",
                "full-width": n.translate(FULL_WIDTH), "plain": n}[form]
        return text, f"mobile:{form}"

    def company_uscc(self) -> str:
        while True:  # 92 (个体工商户) identifies a person: not public by law
            code = self.maker.uscc()
            if not code.startswith("92"):
                return code

    def landline(self) -> str:
        return f"0557-{self.rng.randint(2, 8)}{self.maker.digits(6)}"


# --- files ------------------------------------------------------------------------------

def generate_messy(folder: str | Path, size: int = 200, seed: int = SEED) -> MessyCorpus:
    """Write the messy files (`size` rows per table) into `folder`."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    corpus = MessyCorpus(folder)
    v = _Values(seed)
    _people_csv(corpus, v, size)
    _people_xlsx(corpus, v, size)
    _companies_csv(corpus, v, max(1, size // 2))
    _offices_csv(corpus, v, max(1, size // 4))
    _notice_txt(corpus, v, max(1, size // 4))
    return corpus


def _secret(corpus: MessyCorpus, file: str, kind: str, text: str) -> str:
    corpus.secrets.append(Secret(kind, text, file))
    return text


def _write_csv(corpus: MessyCorpus, name: str, lines: list[list[str]]) -> None:
    path = corpus.folder / name
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(lines)
    corpus.files[name] = path


def _preface(corpus: MessyCorpus, v: _Values, file: str, where: str) -> str:
    contact = _secret(corpus, file, f"name:{where}", v.name())
    rid = _secret(corpus, file, f"resident_id:{where}", v.resident_id())
    mobile = _secret(corpus, file, f"mobile:{where}", v.mobile())
    return f"填报单位：{v.rng.choice(ORGS)}　联系人：{contact} 身份证号 {rid} 电话 {mobile}"


def _footer(corpus: MessyCorpus, v: _Values, file: str) -> str:
    maker_name = _secret(corpus, file, "name:footer", v.name())
    checker = _secret(corpus, file, "name:footer", v.name())
    mobile = _secret(corpus, file, "mobile:footer", v.mobile())
    return f"制表人：{maker_name}　审核人：{checker}　联系电话：{mobile}"


def _person_row(corpus: MessyCorpus, v: _Values, file: str, index: int) -> list[str]:
    name = _secret(corpus, file, "name:table", v.name())
    rid, rid_kind = v.messy_id()
    mobile, mobile_kind = v.messy_mobile()
    remark = ""
    if v.rng.random() < 0.3:
        agent = _secret(corpus, file, "name:remark", v.name())
        remark = f"由{agent}代为办理"
    return [str(index + 1), name, _secret(corpus, file, rid_kind, rid),
            _secret(corpus, file, mobile_kind, mobile), v.rng.choice(("低保", "五保", "特困")),
            remark]


PEOPLE_COLUMNS = ["序号", "姓名", "身份证号", "手机号码", "类别", "备注"]


def _people_csv(corpus: MessyCorpus, v: _Values, size: int) -> None:
    file = "people.csv"
    lines = [[_preface(corpus, v, file, "preface")], ["（单位：元）"], PEOPLE_COLUMNS]
    lines += [_person_row(corpus, v, file, i) for i in range(size)]
    lines += [["合计", f"{size}人"], [_footer(corpus, v, file)]]
    _write_csv(corpus, file, lines)


def _people_xlsx(corpus: MessyCorpus, v: _Values, size: int) -> None:
    from openpyxl import Workbook
    from openpyxl.comments import Comment

    file = "people.xlsx"
    book = Workbook()
    sheet = book.active
    sheet.title = "名单"
    sheet.append([_preface(corpus, v, file, "title row")])
    sheet.append(PEOPLE_COLUMNS)
    for i in range(size):
        row = _person_row(corpus, v, file, i)
        sheet.append(row)
        if v.rng.random() < 0.1:
            who = _secret(corpus, file, "name:comment", v.name())
            phone = _secret(corpus, file, "mobile:comment", v.mobile())
            sheet.cell(row=sheet.max_row, column=2).comment = Comment(
                f"{who}代办，电话{phone}", "经办人")
    sheet.append([_footer(corpus, v, file)])
    hidden = book.create_sheet("原始数据")
    hidden.sheet_state = "hidden"
    hidden.append(["姓名", "身份证号", "手机号码"])
    for _ in range(max(1, size // 5)):
        hidden.append([_secret(corpus, file, "name:hidden sheet", v.name()),
                       _secret(corpus, file, "resident_id:hidden sheet", v.resident_id()),
                       _secret(corpus, file, "mobile:hidden sheet", v.mobile())])
    path = corpus.folder / file
    book.save(path)
    corpus.files[file] = path


def _companies_csv(corpus: MessyCorpus, v: _Values, size: int) -> None:
    file = "companies.csv"
    lines = [["企业名称", "统一社会信用代码", "法定代表人", "联系人", "联系人手机"]]
    for _ in range(size):
        code, boss = v.company_uscc(), v.name()
        corpus.public += [Public("uscc", code, file), Public("legal_representative", boss, file)]
        lines.append([v.maker.fake.company(), code, boss,
                      _secret(corpus, file, "name:contact", v.name()),
                      _secret(corpus, file, "mobile:contact", v.mobile())])
    _write_csv(corpus, file, lines)


def _offices_csv(corpus: MessyCorpus, v: _Values, size: int) -> None:
    file = "offices.csv"
    lines = [["机构名称", "办公电话", "值班人", "值班手机"]]
    for _ in range(size):
        phone = v.landline()
        corpus.public.append(Public("office_phone", phone, file))
        lines.append([v.rng.choice(ORGS), phone,
                      _secret(corpus, file, "name:duty", v.name()),
                      _secret(corpus, file, "mobile:duty", v.mobile())])
    _write_csv(corpus, file, lines)


def _notice_txt(corpus: MessyCorpus, v: _Values, size: int) -> None:
    file = "notice.txt"
    lines = []
    for _ in range(size):
        name = _secret(corpus, file, "name:text", v.name())
        rid, rid_kind = v.messy_id()
        mobile, mobile_kind = v.messy_mobile()
        lines.append(f"经办人：{name}，身份证号{_secret(corpus, file, rid_kind, rid)}，"
                     f"联系电话{_secret(corpus, file, mobile_kind, mobile)}。")
    path = corpus.folder / file
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    corpus.files[file] = path


# --- what a folder of files holds ---------------------------------------------------------

def fold(text: str) -> str:
    """Full-width folded (NFKC), separators (spaces, hyphens) stripped, upper case."""
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", text)).upper()


def file_text(path: Path) -> str:
    """Everything a file holds as text: an XLSX's every part (sheets hidden or not,
    shared strings, comments, properties), any other file decoded as UTF-8 (GBK when
    that fails)."""
    data = path.read_bytes()
    if data[:2] == b"PK":
        try:
            with zipfile.ZipFile(path) as z:
                return "\n".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())
        except zipfile.BadZipFile:
            pass
    for encoding in ("utf-8-sig", "gbk"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("utf-8", "replace")


def _haystacks(folder: Path) -> list[tuple[str, str]]:
    """(text, folded text) of every file under `folder`."""
    out = []
    for path in sorted(p for p in Path(folder).rglob("*") if p.is_file()):
        text = file_text(path)
        out.append((text, fold(text)))
    return out


def leaked(released: str | Path, corpus: MessyCorpus) -> list[Secret]:
    """The secrets found in any file under `released`, verbatim or folded."""
    stacks = _haystacks(Path(released))
    return [s for s in corpus.secrets
            if any(s.text in raw or fold(s.text) in folded for raw, folded in stacks)]


def leaks(released: str | Path, corpus: MessyCorpus) -> dict[str, int]:
    """Secrets found in the released files, counted by class (every class present,
    0 when none of it leaked)."""
    counts = dict.fromkeys(sorted(corpus.classes()), 0)
    for s in leaked(released, corpus):
        counts[s.kind] += 1
    return counts


def kept_public(released: str | Path, corpus: MessyCorpus) -> dict[str, tuple[int, int]]:
    """(kept verbatim, total) of the public-by-law values per kind, each looked for in
    the released file of the same name."""
    out: dict[str, tuple[int, int]] = {}
    texts: dict[str, str] = {}
    for p in corpus.public:
        path = Path(released) / p.file
        if p.file not in texts:
            texts[p.file] = file_text(path) if path.is_file() else ""
        kept, total = out.get(p.kind, (0, 0))
        out[p.kind] = (kept + (p.text in texts[p.file]), total + 1)
    return out


def masked(text: str) -> str:
    """A value shown without giving it away: its first and last characters."""
    return text[0] + "*" * max(1, len(text) - 2) + text[-1] if len(text) > 2 else text[0] + "*"

