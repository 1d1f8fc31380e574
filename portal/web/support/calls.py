"""The pages' only way to the data: the actions, called as the visitor.

The public pages have no sign-in of their own; a sign-in layer may put the
visitor's Caller in `g.caller` and every page then shows what that caller may
see, because the actions decide.
"""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, g

from portal.core.context import Caller
from portal.core.errors import NotAuthorized, NotFound
from portal.services import Portal


def portal() -> Portal:
    return current_app.extensions["shuyuan"]


def visitor() -> Caller | None:
    return g.get("caller")


def call(name: str, params: dict[str, Any] | None = None) -> Any:
    return portal().call(name, params or {}, user=visitor())


def show_or_404(name: str, params: dict[str, Any]) -> Any:
    """A *_show action whose "not found" and "not allowed" both look like 404.

    A draft or private entry must not reveal that it exists, so the page for
    it is indistinguishable from the page for a name nobody used.
    """
    try:
        return call(name, params)
    except (NotFound, NotAuthorized):
        abort(404)
