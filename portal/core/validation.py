"""A small declarative validation schema: `field: [validator, ...]`, read like CKAN's.

A validator takes the value (or MISSING) and returns the cleaned value; it
raises Invalid with a message, or StopChain to leave an optional field out.
A validator that needs the caller's context (the portal's clock, its settings)
is written `FromContext(lambda ctx: ...)`: `validate` makes it for each call, so
schemas stay module-level dicts whose keys can be read without a context.

Every value sent, whatever its validators, is first checked to be text a database
and a JSON answer can hold (`text_problem`: no lone surrogate such as "\\ud800", no
nesting past MAX_DEPTH), so no action can fail on it with a 500. A validator states
what it accepts as JSON Schema (`describe`), read by the OpenAPI document
(portal/api/openapi.py).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from portal.core.errors import ValidationError

if TYPE_CHECKING:
    from portal.core.context import Context


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()

Validator = Callable[[Any], Any]


@dataclass(frozen=True)
class FromContext:
    """A validator made for each call from the caller's context, e.g.
    `FromContext(lambda ctx: default(ctx.today()))`: today by the portal's clock."""

    make: Callable[[Context], Validator]


Check = Validator | FromContext
Schema = Mapping[str, Sequence[Check]]


class Invalid(Exception):
    pass


def describe(check: Validator, **json_schema: Any) -> Validator:
    """Attach the JSON Schema of the values `check` accepts (see `json_schema_of`)."""
    check.json_schema = json_schema  # type: ignore[attr-defined]
    return check


def json_schema_of(check: Check) -> dict[str, Any]:
    """What a validator declared with `describe`; {} (anything) when it declared nothing."""
    return dict(getattr(check, "json_schema", {}))


# A lone surrogate (JSON's "\\ud800" with no partner) is a Python str no encoder can
# write: the database driver and the JSON answer raised UnicodeEncodeError (a 500).
_SURROGATE = re.compile(r"[\ud800-\udfff]")
LONE_SURROGATE = "Must be valid Unicode text (it holds a lone surrogate such as \\ud800)"
# Deeper than any action's parameters go; deep values cost recursion in the encoders.
MAX_DEPTH = 100
TOO_DEEP = f"Must not be nested more than {MAX_DEPTH} levels deep"


def text_problem(value: Any) -> str | None:
    """Why a decoded value (JSON or form) cannot be stored or answered as it is: a lone
    surrogate in any string or key, or nesting deeper than MAX_DEPTH; None when fine.
    Walked with a stack, not recursion, so a deep value cannot exhaust the stack."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            if not item.isascii() and _SURROGATE.search(item):
                return LONE_SURROGATE
        elif isinstance(item, dict | list | tuple):
            if depth > MAX_DEPTH:
                return TOO_DEEP
            if isinstance(item, dict):
                for key, child in item.items():
                    stack.append((key, depth))
                    stack.append((child, depth + 1))
            else:
                stack.extend((child, depth + 1) for child in item)
    return None


def field_label(key: Any) -> str:
    """A field name fit to echo in an error: lone surrogates written as \\udXXX escapes."""
    return str(key).encode("utf-8", "backslashreplace").decode("utf-8")


class StopChain(Exception):
    pass


def _empty(value: Any) -> bool:
    return value is MISSING or value is None or (isinstance(value, str) and not value.strip())


def required(value: Any) -> Any:
    if _empty(value):
        raise Invalid("Missing value")
    return value


def optional(value: Any) -> Any:
    if _empty(value):
        raise StopChain
    return value


def if_given(value: Any) -> Any:
    """Leave the key out when the caller did not send it (an update keeps what is stored);
    a value sent, even an empty one, goes on through the chain."""
    if value is MISSING:
        raise StopChain
    return value


def as_given(value: Any) -> Any:
    """A value the action checks itself (datastore records and filters, an upload, an SQL
    statement): taken as sent, so the action's own messages name what is wrong."""
    return value


def reference(value: Any) -> str:
    """The id or name of a record to find: required, a string (or a number), stripped.
    A reference that names nothing is the action's 404, not a validation error."""
    if value is MISSING or value is None or value == "":
        raise Invalid("Missing value")
    if not isinstance(value, str | int):
        raise Invalid("Must be a string")
    return str(value).strip()


describe(reference, type="string", minLength=1)


def default(fallback: Any) -> Validator:
    def apply(value: Any) -> Any:
        if _empty(value):
            return fallback() if callable(fallback) else fallback
        return value

    return apply


def string(max_length: int = 10_000) -> Validator:
    def check(value: Any) -> str:
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise Invalid(f"Must be a string, not {type(value).__name__}")
        text = str(value).strip()
        if len(text) > max_length:
            raise Invalid(f"Must be at most {max_length} characters long")
        if "\x00" in text:
            # PostgreSQL cannot store NUL in text (the driver raised a 500); SQLite
            # would keep it. Refuse it on both so the backends agree.
            raise Invalid("Must not contain NUL characters")
        return text

    return describe(check, type="string", maxLength=max_length)


NAME_RE = re.compile(r"^[a-z0-9_-]{2,100}$")


def slug(value: Any) -> str:
    if not isinstance(value, str) or not NAME_RE.match(value):
        raise Invalid(
            "Must be 2-100 characters of lowercase letters (a-z), digits, '-' and '_'"
        )
    return value


describe(slug, type="string", pattern=NAME_RE.pattern)


def one_of(choices: Iterable[str]) -> Validator:
    allowed = tuple(choices)

    def check(value: Any) -> str:
        if value not in allowed:
            raise Invalid(f"Value must be one of: {', '.join(allowed)}")
        return str(value)

    return describe(check, enum=list(allowed))


def boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in {"true", "1", "yes", "on"}:
        return True
    if isinstance(value, str) and value.lower() in {"false", "0", "no", "off", ""}:
        return False
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    raise Invalid("Must be a boolean (true or false)")


describe(boolean, type="boolean")


# Integers are stored in, or passed to, 64-bit SQL integers (sizes, OFFSET, LIMIT);
# a larger one made SQLite raise OverflowError and PostgreSQL a DataError (a 500).
INT64_MAX = 2**63 - 1


def integer(minimum: int | None = None, maximum: int | None = INT64_MAX) -> Validator:
    def check(value: Any) -> int:
        if isinstance(value, bool):
            raise Invalid("Must be an integer")
        try:
            number = int(value)
        except (TypeError, ValueError, OverflowError):  # OverflowError: JSON's Infinity
            raise Invalid("Must be an integer") from None
        if isinstance(value, float) and number != value:
            raise Invalid("Must be an integer")
        if minimum is not None and number < minimum:
            raise Invalid(f"Must be at least {minimum}")
        if maximum is not None and number > maximum:
            raise Invalid(f"Must be at most {maximum}")
        return number

    bounds = {"minimum": minimum, "maximum": maximum}
    return describe(check, type="integer", **{k: v for k, v in bounds.items() if v is not None})


def clamp(maximum: int) -> Validator:
    return lambda value: min(value, maximum)


def iso_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        raise Invalid("Must be a date written YYYY-MM-DD")
    try:
        return date.fromisoformat(value.strip()[:10])
    except ValueError:
        raise Invalid("Must be a date written YYYY-MM-DD") from None


describe(iso_date, type="string", format="date")


EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def email(value: Any) -> str:
    if not isinstance(value, str) or not EMAIL_RE.match(value.strip()):
        raise Invalid("Must be an e-mail address")
    return value.strip()


describe(email, type="string", format="email")


def _decoded(text: str, what: str) -> Any:
    """JSON text from a form or query string, held to what a JSON body is held to."""
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        raise Invalid(f"Must be {what}") from None
    problem = text_problem(value)
    if problem:
        raise Invalid(problem)
    return value


def json_list(value: Any) -> list[Any]:
    """Lists may arrive as JSON text from form posts."""
    if isinstance(value, str):
        value = _decoded(value, "a list (a JSON array)")
    if not isinstance(value, list):
        raise Invalid("Must be a list")
    return value


describe(json_list, type="array")


def json_object(value: Any) -> dict[str, Any]:
    if isinstance(value, str):
        value = _decoded(value, "an object (a JSON object)")
    if not isinstance(value, dict):
        raise Invalid("Must be an object")
    return value


describe(json_object, type="object")


def list_of_strings(max_length: int = 1000) -> Validator:
    item = string(max_length)

    def check(value: Any) -> list[str]:
        if isinstance(value, str) and not value.lstrip().startswith("["):
            return [p.strip() for p in value.split(",") if p.strip()]
        return [item(v) for v in json_list(value) if not _empty(v)]

    return describe(check, type="array", items=json_schema_of(item))


def validate(data: Mapping[str, Any], schema: Schema,
             ctx: Context | None = None) -> dict[str, Any]:
    """Run every chain; collect all field errors before raising one ValidationError.

    `ctx` makes the schema's FromContext validators; a schema with one needs it."""
    if not isinstance(data, Mapping):
        raise ValidationError({"__body": ["The request body must be a JSON object"]})
    # Every key sent, also those the schema ignores or passes on as given (other_keys,
    # as_given): no action should meet text it cannot store or answer.
    unreadable = {field_label(key): [problem] for key, value in data.items()
                  if (problem := text_problem(key) or text_problem(value))}
    if unreadable:
        raise ValidationError(unreadable)
    clean: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for key, chain in schema.items():
        value = data.get(key, MISSING)
        try:
            for check in chain:
                if isinstance(check, FromContext):
                    if ctx is None:
                        raise TypeError(f"validating {key} needs the caller's context")
                    value = check.make(ctx)(value)
                else:
                    value = check(value)
        except StopChain:
            continue
        except Invalid as exc:
            errors[key] = [str(exc)]
            continue
        if value is not MISSING:
            clean[key] = value
    if errors:
        raise ValidationError(errors)
    return clean


SAFE_URL_SCHEMES = ("http", "https", "ftp", "ftps")
URL_SCHEME_RE = re.compile(r"^\s*([A-Za-z][A-Za-z0-9+.-]*):")


def link(max_length: int = 1000) -> Validator:
    """A URL people will click: http(s)/ftp only, never javascript: or data: links."""
    text = string(max_length)

    def check(value: Any) -> str:
        url = text(value)
        scheme = URL_SCHEME_RE.match(url)
        if scheme and scheme.group(1).lower() not in SAFE_URL_SCHEMES:
            raise Invalid(f"Links must use http, https or ftp, not {scheme.group(1)}:")
        return url

    return describe(check, **json_schema_of(text))
