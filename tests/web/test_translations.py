"""Every text the pages show has a Chinese translation, and every code a label."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from portal.models import catalog as model
from portal.settings import PROJECT_ROOT
from portal.web.support import labels

THEME = PROJECT_ROOT / "themes" / "default"
PO = THEME / "translations" / "zh" / "LC_MESSAGES" / "messages.po"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None}


def extracted() -> set[str]:
    found: set[str] = set()
    sources = [(PROJECT_ROOT / "portal" / "web", [("**.py", "python")]),
               (THEME / "templates", [("**.html", "jinja2")]),
               # as themes/default/babel.cfg says: the element table's own extractor
               (PROJECT_ROOT / "portal" / "core",
                [("catalog_elements.py", "portal.web.support.catalog.extract")])]
    for folder, method_map in sources:
        for _file, _line, message, _comments, _context in extract_from_dir(
                folder, method_map, keywords=KEYWORDS):
            found.add(message if isinstance(message, str) else message[0])
    return found


def catalog_messages() -> dict[str, str]:
    with Path(PO).open("rb") as fh:
        catalog = read_po(fh)
    out = {}
    for msg in catalog:
        if not msg.id:
            continue
        key = msg.id if isinstance(msg.id, str) else msg.id[0]
        text = msg.string if isinstance(msg.string, str) else msg.string[0]
        out[key] = "" if msg.fuzzy else text
    return out


def test_every_message_has_a_chinese_translation() -> None:
    messages = extracted()
    translated = catalog_messages()
    assert len(messages) > 100
    missing = sorted(m for m in messages if not translated.get(m))
    assert missing == [], f"add these to {PO.relative_to(PROJECT_ROOT)}: {missing}"


def test_no_stale_translations() -> None:
    stale = sorted(set(catalog_messages()) - extracted())
    assert stale == []


@pytest.mark.parametrize(("kind", "codes"), [
    ("classification", model.CLASSIFICATIONS),
    ("classification_hint", model.CLASSIFICATIONS),
    ("share_type", model.SHARE_TYPES),
    ("share_method", model.SHARE_METHODS),
    ("open_type", model.OPEN_TYPES),
    ("update_period", model.UPDATE_PERIODS),
    ("grading", model.GRADINGS),
    ("organization_type", model.ORGANIZATION_TYPES),
])
def test_every_code_has_a_label(kind: str, codes: tuple[str, ...]) -> None:
    assert set(labels.MAPS[kind]) == set(codes)


def test_data_item_types_have_labels() -> None:
    from portal.core.catalog_validators import DATA_ITEM_TYPES

    assert set(labels.DATA_ITEM_TYPE) == set(DATA_ITEM_TYPES)


def test_label_falls_back_to_the_code(app) -> None:
    with app.test_request_context("/"):
        assert labels.label("classification", "base") == "基础库"
        assert labels.label("classification", "new-kind") == "new-kind"
        assert labels.label("no-such-kind", "x") == "x"
        assert labels.label("grading", None) == ""
    with app.test_request_context("/?lang=en"):
        assert labels.label("classification", "base") == "Base library"


def test_missing_catalogs_are_compiled_at_startup(tmp_path: Path) -> None:
    import shutil

    from portal.web import _compile_catalogs

    theme = tmp_path / "themes" / "default"
    shutil.copytree(THEME / "translations", theme / "translations",
                    ignore=shutil.ignore_patterns("*.mo"))
    _compile_catalogs(theme)
    assert (theme / "translations" / "zh" / "LC_MESSAGES" / "messages.mo").is_file()
