"""The fictional demo county (placeholder until the generator lands)."""

from collections.abc import Callable
from typing import Any


def load_demo(portal: Any, echo: Callable[[str], Any] = print) -> None:
    echo("demo data not yet available")
