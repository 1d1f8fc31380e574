"""The action registry: every operation is `action(ctx, params) -> result`.

Actions are registered explicitly with @action; nothing becomes an action by
being a public function of a module (CKAN's stumble). The context an action
receives is portal.core.context.Context; the composition root
(portal/services.py) imports the action modules so their decorators run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from portal.core.context import Context

ActionFunc = Callable[[Context, dict[str, Any]], Any]


@dataclass(frozen=True)
class ActionSpec:
    name: str
    func: ActionFunc
    read_only: bool
    doc: str


REGISTRY: dict[str, ActionSpec] = {}


def action(name: str | None = None, *, read_only: bool = False) -> Callable[[ActionFunc], ActionFunc]:
    def register(func: ActionFunc) -> ActionFunc:
        key = name or func.__name__
        if key in REGISTRY:
            raise RuntimeError(f"action {key} registered twice")
        REGISTRY[key] = ActionSpec(key, func, read_only, (func.__doc__ or "").strip())
        return func

    return register
