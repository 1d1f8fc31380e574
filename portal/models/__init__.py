"""SQLAlchemy models, one module per area. Importing this package registers them all."""

from portal.models.accounts import ApiToken, Membership, User
from portal.models.audit import AuditEntry, AuditHead
from portal.models.base import Base
from portal.models.catalog import (
    Dataset,
    DatastoreTable,
    Group,
    Organization,
    Resource,
    ResourceVersion,
    Tag,
)
from portal.models.changes import CatalogChange
from portal.models.notifications import EmailOutbox, Notification
from portal.models.publication import PublicationReview, ResourceRelease
from portal.models.requests import DataRequest
from portal.models.search import SearchOutbox, SearchState
from portal.models.security import (
    Lockout,
    RecoveryCode,
    SignInFailure,
    TotpCredential,
    WebSession,
)
from portal.models.sharing import Grant, GrantToken, GrantUse, OpenApplication, ShareRequest

__all__ = [
    "ApiToken",
    "AuditEntry",
    "AuditHead",
    "Base",
    "CatalogChange",
    "DataRequest",
    "Dataset",
    "DatastoreTable",
    "EmailOutbox",
    "Group",
    "Membership",
    "Notification",
    "Organization",
    "PublicationReview",
    "Resource",
    "SearchOutbox",
    "SearchState",
    "ResourceRelease",
    "ResourceVersion",
    "Tag",
    "User",
    # sharing (Art. 25-27)
    "Grant",
    "GrantToken",
    "GrantUse",
    "OpenApplication",
    "ShareRequest",
    # account security (issue 15)
    "Lockout",
    "RecoveryCode",
    "SignInFailure",
    "TotpCredential",
    "WebSession",
]
