"""The action registry: every operation is `action(ctx, params) -> result`.

Actions are registered explicitly with @action; nothing becomes an action by
being a public function of a module (CKAN's stumble). The context an action
receives is portal.core.context.Context; the composition root
(portal/services.py) imports the action modules so their decorators run.

Each action declares the parameters it takes (`schema`, a module-level dict of
key -> validators) and `run_action` calls every action in one order (CKAN's:
access first):

1. the caller check that needs no target (permissions.check_caller): an anonymous
   caller of an action whose rule never admits one, or a caller a target-free rule
   (signed_in, sysadmin) refuses, gets NotAuthorized (403) before the body is read;
2. the body, against the declared schema (ValidationError, 409, naming each field);
3. the action, given the validated params: it loads its target and calls
   `authorize(ctx, Target(...))` for the rules that depend on it. A refusal about an
   entry the caller may not see at all (HiddenEntry) is given the NotFound of a
   missing entry, which the API answers (portal/actions/hidden.py).

The rule of each action is written in one table, permissions.RULES, by name.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from portal.access import HiddenEntry
from portal.actions.hidden import as_missing
from portal.actions.permissions import check_caller
from portal.core.context import Context
from portal.core.validation import Schema, validate

ActionFunc = Callable[[Context, dict[str, Any]], Any]


@dataclass(frozen=True)
class ActionSpec:
    name: str
    func: ActionFunc
    read_only: bool
    doc: str
    # The parameters the action takes; the action receives them validated, and only them.
    schema: Schema = field(default_factory=dict)
    # True: keys the schema does not name reach the action as sent, for actions that take
    # open-ended keys (resource extras; the fields of a patch, validated once merged with
    # what is stored).
    other_keys: bool = False


REGISTRY: dict[str, ActionSpec] = {}


def action(name: str | None = None, *, read_only: bool = False, schema: Schema | None = None,
           other_keys: bool = False) -> Callable[[ActionFunc], ActionFunc]:
    def register(func: ActionFunc) -> ActionFunc:
        key = name or func.__name__
        if key in REGISTRY:
            raise RuntimeError(f"action {key} registered twice")
        REGISTRY[key] = ActionSpec(key, func, read_only, (func.__doc__ or "").strip(),
                                   schema if schema is not None else {}, other_keys)
        return func

    return register


def run_action(spec: ActionSpec, ctx: Context, params: Mapping[str, Any] | None) -> Any:
    """Run `spec` for the caller in `ctx`, in the order the module's docstring gives."""
    check_caller(ctx)
    given: Mapping[str, Any] = params if params is not None else {}
    clean = validate(given, spec.schema, ctx)
    if spec.other_keys:
        clean = {**{k: v for k, v in given.items() if k not in spec.schema}, **clean}
    try:
        return spec.func(ctx, clean)
    except HiddenEntry as refusal:  # the API answers it as the missing entry's 404
        refusal.missing = as_missing(spec.name, clean)
        raise
