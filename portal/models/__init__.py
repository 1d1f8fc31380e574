"""SQLAlchemy models, one module per area. Importing this package registers them all."""

from portal.models.accounts import ApiToken, Membership, User
from portal.models.audit import AuditEntry, AuditHead
from portal.models.base import Base
from portal.models.catalog import Dataset, Group, Organization, Resource, Tag

__all__ = [
    "ApiToken",
    "AuditEntry",
    "AuditHead",
    "Base",
    "Dataset",
    "Group",
    "Membership",
    "Organization",
    "Resource",
    "Tag",
    "User",
]
