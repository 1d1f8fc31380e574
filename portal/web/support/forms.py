"""Form helpers: the actions' field errors in the visitor's language.

Actions report problems in English (the API's language); the pages show them in
the visitor's. Known messages are matched here, exactly or by pattern; a
message nobody listed yet is shown as the action wrote it, never dropped.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from portal.core.errors import ValidationError

EXACT: Mapping[str, LazyString] = {
    "Missing value": _l("This field is required."),
    "Must be 2-100 characters of lowercase letters (a-z), digits, '-' and '_'":
        _l("Use 2–100 lowercase letters (a-z), digits, “-” or “_”."),
    "Must be 1-64 characters: letters, digits, '/', '.', '_' or '-'":
        _l("Use 1–64 letters, digits, “/”, “.”, “_” or “-”, starting with a letter or digit."),
    "Must be a date written YYYY-MM-DD": _l("Enter a date as YYYY-MM-DD."),
    "Must be an e-mail address": _l("Enter an e-mail address."),
    "Must not contain NUL characters": _l("Remove the invalid characters."),
    "Must be at least 8 characters long": _l("Use at least 8 characters."),
    "That login name is already in use": _l("This user name is already taken."),
    "That name is already in use": _l("Another entry already uses this name."),
    "That resource code is already in use": _l("Another entry already uses this resource code."),
    "A conditional or no-share entry must state its legal basis (Art. 25)":
        _l("An entry shared conditionally or not at all must state its legal basis (Art. 25)."),
    "A conditionally shared entry must state its share condition":
        _l("A conditionally shared entry must state its share condition."),
    "A conditionally open entry must state its open condition":
        _l("A conditionally open entry must state its open condition."),
    "Data graded core is never opened: open_type must be none":
        _l("Core data is never opened: choose “Not open”."),
    "Must not be before temporal_start": _l("The end must not be before the start."),
    "Each tag needs a name": _l("A tag may not be empty."),
    # the password policy (portal/passwords.py) and account security
    "Is too common or too easy to guess": _l("This password is too common or too easy to guess."),
    "Must not be the user name": _l("The password must not be the user name."),
    "The current password is wrong": _l("The current password is wrong."),
    "Must differ from the current password": _l("Choose a password other than the current one."),
    "The code is wrong or has expired": _l("The code is wrong or has expired."),
}

PATTERNS: list[tuple[re.Pattern[str], LazyString]] = [
    (re.compile(r"^Must be at least (?P<n>\d+) characters long$"),
     _l("Use at least %(n)s characters.")),
    (re.compile(r"^Must mix at least (?P<n>\d+) of: "),
     _l("Mix at least %(n)s of: lower-case letters, upper-case letters, digits, other "
        "characters.")),
    (re.compile(r"^Must be at most (?P<n>\d+) characters long$"),
     _l("Use at most %(n)s characters.")),
    (re.compile(r"^Value must be one of: "), _l("Choose one of the options.")),
    (re.compile(r"^Item (?P<n>\d+) needs a name$"), _l("Data item %(n)s needs a name.")),
    (re.compile(r"^Item (?P<n>\d+) \((?P<name>.*)\): type must be one of "),
     _l("Data item %(n)s (%(name)s): choose one of the types.")),
    (re.compile(r"^Tag '(?P<name>.*)': at most 100 characters and no commas$"),
     _l("Tag “%(name)s”: at most 100 characters and no commas.")),
    (re.compile(r"^Organization does not exist: "), _l("Choose one of your organizations.")),
    (re.compile(r"^File is larger than the upload limit of (?P<n>\d+) bytes$"),
     _l("The file is larger than the upload limit (%(n)s bytes).")),
    (re.compile(r"^The file name must be at most (?P<n>\d+) characters long$"),
     _l("The file name may have at most %(n)s characters.")),
]


def error_text(message: str) -> str:
    """One action message in the visitor's language (as written when unknown)."""
    known = EXACT.get(message)
    if known is not None:
        return str(known)
    for pattern, text in PATTERNS:
        match = pattern.match(message)
        if match:
            return str(text) % match.groupdict() if match.groupdict() else str(text)
    return message


def field_errors(exc: ValidationError) -> dict[str, list[str]]:
    """A ValidationError's messages per field, translated for the page."""
    return {field: [error_text(str(m)) for m in messages]
            for field, messages in exc.errors.items()}
