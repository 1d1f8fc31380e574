"""A finding: one entity found at an exact span of one cell or line."""

from __future__ import annotations

from typing import Any, NamedTuple


class Finding(NamedTuple):
    """A named tuple rather than a frozen dataclass: a large table yields millions, and
    a frozen dataclass costs several times a tuple to make."""

    entity: str  # a name from desensitize.entities
    start: int  # character offsets inside the cell text (tables) or the line (text)
    end: int
    score: float
    row: int | None = None  # tables: 0-based data row, header excluded
    column: str | None = None  # tables: the header text
    line: int | None = None  # text files: 0-based line
    # A value no recognizer accepts (a wrong check character, a digit missing or extra)
    # taken for `entity` because its column holds that entity or a context word names
    # it: treated as the entity, counted apart (desensitize.recognizers.near_miss).
    near_miss: bool = False

    def at(self, *, row: int | None = None, column: str | None = None,
           line: int | None = None) -> Finding:
        """The same finding placed in a table cell or a line."""
        return self._replace(row=row, column=column, line=line)

    def to_json(self) -> dict[str, Any]:
        """The `scan` command's line (this key set and order is a contract; a near miss
        adds "near_miss": true at the end)."""
        out = {"row": self.row, "column": self.column, "line": self.line,
               "start": self.start, "end": self.end, "entity": self.entity,
               "score": round(self.score, 4)}
        if self.near_miss:  # only then: the key set of every other finding is unchanged
            out["near_miss"] = True
        return out
