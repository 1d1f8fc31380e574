"""Keeping the search index in step with the database (see portal.search.outbox).

`search_outbox` gets a row for every dataset a transaction changed, written in
that same transaction, so the index learns of every committed change and of
nothing that was rolled back. `search_state` names the live index.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base


class SearchOutbox(Base):
    __tablename__ = "search_outbox"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"),
                                    primary_key=True, autoincrement=True)
    dataset_id: Mapped[str] = mapped_column(String(36), index=True)


class SearchState(Base):
    __tablename__ = "search_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # The live index and, during `shuyuan search reindex`, the one being built.
    index_name: Mapped[str] = mapped_column(String(200), default="")
    building: Mapped[str] = mapped_column(String(200), default="")
    # Bumped by every change to the index, so other processes know to reopen it.
    generation: Mapped[int] = mapped_column(BigInteger, default=0)
