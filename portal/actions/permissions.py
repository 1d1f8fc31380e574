"""One rules table: which rule guards each action.

A rule is a function of the caller and the target (an organization, a dataset,
a user). The rule applied is looked up by the action's name, so every action's
guard is visible in one place and tests can check that none is missing.

Before an action reads its body, the registry makes the part of the check that
needs no target (`check_caller`): rules decided by the caller alone (CALLER_ONLY)
are decided there, and an anonymous caller is refused by every rule that never
admits one (all but OPEN_TO_ANONYMOUS). The action then calls `authorize(ctx, ...)`
once it knows its target.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from portal.access import HiddenEntry, check_grant_caller
from portal.core.context import Caller, Context
from portal.core.errors import NotAuthorized
from portal.models import DataRequest, Dataset


@dataclass(frozen=True)
class Target:
    organization_id: str | None = None
    dataset: Dataset | None = None
    user_id: str | None = None
    data_request: DataRequest | None = None
    # Sharing and grants: the organizations whose staff the rule accepts (any of them).
    organization_ids: tuple[str, ...] = ()


Rule = Callable[[Caller | None, Target], bool]

ROLE_RANK = {"member": 1, "editor": 2, "admin": 3}


def anyone(user: Caller | None, target: Target) -> bool:
    return True


def signed_in(user: Caller | None, target: Target) -> bool:
    return user is not None


def sysadmin(user: Caller | None, target: Target) -> bool:
    return bool(user and user.sysadmin)


def _has_role(user: Caller | None, organization_id: str | None, minimum: str) -> bool:
    if user is None:
        return False
    if user.sysadmin:
        return True
    role = user.role_in(organization_id)
    return role is not None and ROLE_RANK[role] >= ROLE_RANK[minimum]


def org_member(user: Caller | None, target: Target) -> bool:
    return _has_role(user, target.organization_id, "member")


def org_editor(user: Caller | None, target: Target) -> bool:
    return _has_role(user, target.organization_id, "editor")


def org_admin(user: Caller | None, target: Target) -> bool:
    return _has_role(user, target.organization_id, "admin")


def org_staff(user: Caller | None, target: Target) -> bool:
    """A named organization's members; with none named, anyone who is staff somewhere
    (the action then shows only their organizations' records) and the bureau."""
    if target.organization_id is not None:
        return _has_role(user, target.organization_id, "member")
    return bool(user and (user.sysadmin or user.roles))


def self_or_sysadmin(user: Caller | None, target: Target) -> bool:
    return bool(user and (user.sysadmin or user.id == target.user_id))


def dataset_visible(user: Caller | None, target: Target) -> bool:
    """Published public entries are for everyone; the rest only for their organization.

    Deleted entries are for sysadmins only (as CKAN).
    """
    ds = target.dataset
    if ds is None:
        return False
    if ds.state == "published" and not ds.private:
        return True
    if user is not None and user.sysadmin:
        return True
    if ds.state == "deleted":
        return False
    return _has_role(user, ds.owner_org, "member")


def data_request_visible(user: Caller | None, target: Target) -> bool:
    """Public requests are for everyone; the rest for the requester, the department the
    request is routed to and the bureau."""
    req = target.data_request
    if req is None:
        return False
    if req.public or (user is not None and (user.sysadmin or user.id == req.requester_id)):
        return True
    return req.routed_to is not None and _has_role(user, req.routed_to, "member")


def dataset_editable(user: Caller | None, target: Target) -> bool:
    ds = target.dataset
    if ds is None:
        return False
    if ds.state == "deleted" and not (user and user.sysadmin):
        return False
    return _has_role(user, ds.owner_org, "editor")


def _role_in_any(user: Caller | None, organization_ids: tuple[str, ...], minimum: str) -> bool:
    if user is None:
        return False
    return user.sysadmin or any(_has_role(user, o, minimum) for o in organization_ids)


def share_request_visible(user: Caller | None, target: Target) -> bool:
    """The requesting unit, the departments whose data is asked for, the county
    government for the requests it confirms (all in target.organization_ids), the bureau."""
    return _role_in_any(user, target.organization_ids, "member")


def share_request_confirmer(user: Caller | None, target: Target) -> bool:
    """Editors and admins of the county government (target.organization_ids: empty while
    the bureau has not approved yet), and the bureau."""
    return _role_in_any(user, target.organization_ids, "editor")


def open_applicant(user: Caller | None, target: Target) -> bool:
    """Citizens and companies apply for themselves (target.user_id): users who are staff
    of no organization. The bureau may file a paper application for one."""
    if user is None:
        return False
    return user.sysadmin or (not user.roles and user.id == target.user_id)


def applicant_or_sysadmin(user: Caller | None, target: Target) -> bool:
    return bool(user and (user.sysadmin or user.id == target.user_id))


def grant_visible(user: Caller | None, target: Target) -> bool:
    """The grantee (target.user_id, or a member of the grantee organization), staff of the
    departments whose data the grant covers (target.organization_ids), the bureau."""
    if user is not None and target.user_id is not None and user.id == target.user_id:
        return True
    return _role_in_any(user, target.organization_ids, "member")


def grant_revoker(user: Caller | None, target: Target) -> bool:
    """Admins of a department whose data the grant covers, and the bureau."""
    return _role_in_any(user, target.organization_ids, "admin")


RULES: dict[str, Rule] = {
    # site
    "status_show": anyone,
    "help_show": anyone,
    "license_list": anyone,
    "tag_list": anyone,
    "group_list": anyone,
    "group_show": anyone,
    "group_create": sysadmin,
    "group_update": sysadmin,
    "group_patch": sysadmin,
    # catalog
    "package_list": anyone,
    "current_package_list_with_resources": anyone,
    "package_search": anyone,
    "package_show": dataset_visible,
    "package_create": org_editor,
    "package_update": dataset_editable,
    "package_patch": dataset_editable,
    "package_delete": dataset_editable,
    "resource_show": dataset_visible,
    # the entry must be visible; which file (raw, released, none) is portal/access.py's
    "resource_download": dataset_visible,
    "resource_create": dataset_editable,
    "resource_update": dataset_editable,
    "resource_patch": dataset_editable,
    "resource_delete": dataset_editable,
    # datastore: a table is read as its dataset is; SQL checks each table it reads
    "datastore_search": dataset_visible,
    "datastore_info": dataset_visible,
    "datastore_search_sql": anyone,
    "datastore_create": dataset_editable,
    "datastore_upsert": dataset_editable,
    "datastore_delete": dataset_editable,
    # organizations
    "organization_list": anyone,
    "organization_show": anyone,
    "organization_create": sysadmin,
    "organization_update": org_admin,
    "organization_patch": org_admin,
    "organization_member_create": org_admin,
    "organization_member_delete": org_admin,
    # an account that is nobody's staff becomes a member once the bureau confirms
    "organization_member_confirm": sysadmin,
    "organization_member_reject": sysadmin,
    "organization_member_request_list": sysadmin,
    # accounts
    "user_show": anyone,
    "user_create": sysadmin,
    "user_register": anyone,
    "api_token_create": self_or_sysadmin,
    "api_token_list": self_or_sysadmin,
    "api_token_revoke": self_or_sysadmin,
    # account security: your own password and second factor; the bureau resets, disables
    "user_password_change": signed_in,
    "user_password_reset": sysadmin,
    "user_disable": sysadmin,
    "user_enable": sysadmin,
    "user_security_show": self_or_sysadmin,
    "user_totp_setup": signed_in,
    "user_totp_confirm": signed_in,
    "user_totp_disable": self_or_sysadmin,
    # notifications: signed in; the actions only ever touch the caller's own rows
    "notification_list": signed_in,
    "notification_unread_count": signed_in,
    "notification_mark_read": signed_in,
    # catalog changes (Art. 19): departments record and advance their own; the bureau
    # acknowledges
    "catalog_change_create": org_editor,
    "catalog_change_update": org_editor,
    "catalog_change_report": org_editor,
    "catalog_change_acknowledge": sysadmin,
    "catalog_change_show": org_member,
    "catalog_change_list": org_staff,
    # data requests: anyone signed in asks; the bureau routes or declines; the department
    # routed to answers; public requests are read by everyone, the requester never named
    "data_request_create": signed_in,
    "data_request_route": sysadmin,
    "data_request_answer": org_editor,
    "data_request_decline": sysadmin,
    "data_request_show": data_request_visible,
    "data_request_list": anyone,
    # publication review (Art. 15): departments submit their own entries; the bureau decides;
    # a review is read by the bureau and the entry's organization
    "publication_submit": dataset_editable,
    "publication_approve": sysadmin,
    "publication_item_confirm": sysadmin,
    "publication_reject": sysadmin,
    "publication_withdraw": sysadmin,
    "publication_review_show": org_member,
    "publication_review_list": org_staff,
    # sharing between departments (Art. 27): a unit's editors request; the bureau decides;
    # the county government confirms for towns, development zones and public utilities
    "share_request_create": org_editor,
    "share_request_approve": sysadmin,
    "share_request_reject": share_request_confirmer,
    "share_request_confirm": share_request_confirmer,
    "share_request_show": share_request_visible,
    "share_request_list": org_staff,
    # conditional opening (Art. 27): citizens and companies apply; the bureau decides
    "open_application_create": open_applicant,
    "open_application_approve": sysadmin,
    "open_application_reject": sysadmin,
    "open_application_show": applicant_or_sysadmin,
    "open_application_list": signed_in,
    # grants: read by the grantee and the data's owners; revoked by the owners' admins or
    # the bureau; a grant token is made by a grantee (or for one, by the bureau)
    "grant_list": signed_in,
    "grant_show": grant_visible,
    "grant_usage_list": grant_visible,
    "grant_revoke": grant_revoker,
    "grant_token_create": self_or_sysadmin,
}

# What a refusal says, so a caller learns which permission was missing.
REASONS: dict[Rule, str] = {
    signed_in: "you must be signed in",
    sysadmin: "only bureau staff (sysadmins) may do this",
    org_member: "you must be a member of the organization",
    org_editor: "you must be an editor or admin of the organization",
    org_admin: "you must be an admin of the organization",
    org_staff: "you must be staff of the organization (or of some organization)",
    self_or_sysadmin: "only the user themself or a sysadmin may do this",
    dataset_visible: "this dataset is not public and you are not a member of its organization",
    dataset_editable: "you must be an editor or admin of the dataset's organization",
    data_request_visible: "this data request is not public and you did not make it",
    share_request_visible: "only staff of the requesting unit, of the departments whose data "
                           "is requested, of the county government and bureau staff may see "
                           "this share request",
    share_request_confirmer: "only bureau staff decide a pending share request; once they "
                             "approved, editors and admins of the county government confirm "
                             "or reject it",
    open_applicant: "only citizens and companies (users who are staff of no organization) "
                    "apply for conditionally open data; government units use share requests",
    applicant_or_sysadmin: "only the applicant and bureau staff may see this application",
    grant_visible: "only the grantee, staff of the departments whose data it covers and bureau "
                   "staff may see this grant",
    grant_revoker: "only admins of a department whose data the grant covers, or bureau staff, "
                   "may revoke it",
}


# Rules decided by who calls alone, whatever the target: the registry decides them
# before the action reads its body.
CALLER_ONLY: frozenset[Rule] = frozenset({anyone, signed_in, sysadmin})
# Rules that admit an anonymous caller for some target (a published public entry, a
# public data request). Every other rule refuses one whatever the target, so the
# registry refuses an anonymous caller of their actions before reading the body.
OPEN_TO_ANONYMOUS: frozenset[Rule] = frozenset({anyone, dataset_visible, data_request_visible})


def _refusal(ctx: Context, name: str, rule: Rule) -> NotAuthorized:
    return NotAuthorized(f"{ctx.actor} may not {name}: {REASONS.get(rule, 'not allowed')}")


def check_caller(ctx: Context) -> None:
    """The check that needs no target, for the action `ctx.action`, made by the registry
    before the body is validated: CKAN checks access first, so an anonymous write is
    refused (403) before validation says anything about its body. A grant token was
    checked before (portal.access.check_grant_caller, in Portal._run)."""
    rule = RULES.get(ctx.action)
    if rule is None:  # a test's action, or one added without its rule: it never runs
        raise RuntimeError(f"action {ctx.action} has no rule in permissions.RULES")
    if rule in CALLER_ONLY:
        refused = not rule(ctx.user, Target())
    else:
        refused = ctx.user is None and rule not in OPEN_TO_ANONYMOUS
    if refused:
        raise _refusal(ctx, ctx.action, rule)


def is_authorized(ctx: Context, target: Target | None = None, action: str | None = None) -> bool:
    rule = RULES[action or ctx.action]
    try:
        _grant_scope(ctx, target, action or ctx.action)
    except NotAuthorized:
        return False
    return rule(ctx.user, target or Target())


def _grant_scope(ctx: Context, target: Target | None, name: str) -> None:
    """A grant token reads its grant's datasets only (portal.access), whatever the rule."""
    if ctx.user is not None and ctx.user.grant_id is not None:
        dataset = target.dataset if target else None
        check_grant_caller(ctx.session, ctx.user, name, ctx.today(),
                           dataset.id if dataset else None)


def authorize(ctx: Context, target: Target | None = None, action: str | None = None) -> None:
    name = action or ctx.action
    rule = RULES[name]
    _grant_scope(ctx, target, name)
    if not rule(ctx.user, target or Target()):
        refusal = _refusal(ctx, name, rule)
        if target is not None and target.dataset is not None and not dataset_visible(
                ctx.user, target):
            raise HiddenEntry(refusal.message)  # answered as a missing entry by the API
        raise refusal
