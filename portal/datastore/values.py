"""Values between clients and datastore columns.

In: filter values and records sent by clients become what the column stores
(a ValueError names what is wrong), so a non-numeric filter on an integer
column is a 409 naming the field, never a database error. Out: what the
database returns becomes JSON (PostgreSQL's Decimal, date and datetime; SQLite
timestamps get the T of ISO 8601, as CKAN shows them).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from desensitize.tables.types import convert

INT64 = 2**63 - 1
_INTEGER = re.compile(r"[+-]?[0-9]+")
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def _integer(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError("is not an integer")
    if isinstance(value, int):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    elif isinstance(value, str) and _INTEGER.fullmatch(value.strip()):
        number = int(value.strip())
    else:
        raise ValueError("is not an integer")
    if abs(number) > INT64:
        raise ValueError("is out of the 64-bit integer range")
    return number


def _number(value: Any) -> float:
    if isinstance(value, bool):
        raise ValueError("is not a number")
    if isinstance(value, int | float | Decimal):
        number = float(value)
    elif isinstance(value, str) and _NUMBER.fullmatch(value.strip()):
        number = float(value.strip())
    else:
        raise ValueError("is not a number")
    if not math.isfinite(number):
        raise ValueError("is not a finite number")
    return number


def _date(value: Any) -> str:
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        text = value.strip()
        try:
            return convert(text, "date").isoformat()
        except (ValueError, AttributeError):
            try:
                return date.fromisoformat(text).isoformat()
            except ValueError:
                pass
    raise ValueError("is not a date (YYYY-MM-DD)")


def _timestamp(value: Any) -> str:
    if isinstance(value, datetime):
        return value.replace(tzinfo=None).isoformat(" ")
    if isinstance(value, date):
        return datetime.combine(value, datetime.min.time()).isoformat(" ")
    if isinstance(value, str):
        text = value.strip()
        try:
            return convert(text, "datetime").isoformat(" ")
        except (ValueError, AttributeError):
            try:
                return datetime.fromisoformat(text).replace(tzinfo=None).isoformat(" ")
            except ValueError:
                pass
    raise ValueError("is not a date and time (YYYY-MM-DD HH:MM:SS)")


def _text(value: Any) -> str:
    if isinstance(value, str):
        text = value
    elif isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, int | float):
        text = str(value)
    else:
        text = json.dumps(value, ensure_ascii=False)
    if "\x00" in text:
        raise ValueError("contains a NUL character")
    return text


TO_COLUMN: dict[str, Callable[[Any], Any]] = {
    "text": _text, "integer": _integer, "numeric": _number, "date": _date,
    "timestamp": _timestamp,
}


def to_column(kind: str, value: Any) -> Any:
    """A client's value as a column of this type stores it; ValueError says why not."""
    if value is None:
        return None
    return TO_COLUMN[kind](value)


def _iso(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        return value.replace(" ", "T", 1)
    return value


def _float(value: Any) -> Any:
    return None if value is None else float(value)


def output(kind: str) -> Callable[[Any], Any] | None:
    """The function making a stored value JSON-ready, or None when it already is."""
    if kind == "numeric":
        return _float
    if kind == "timestamp":
        return _iso
    if kind == "date":
        return lambda v: v.isoformat() if isinstance(v, date) else v
    return None


def jsonable(value: Any) -> Any:
    """Any database value as JSON can carry it (for SQL results of unknown type)."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes | memoryview):
        return bytes(value).hex()
    return value
