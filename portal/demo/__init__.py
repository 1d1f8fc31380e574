"""The fictional demo county (泗县-like): organizations, themes, users and a full catalog.

`load_demo(portal)` loads it through the actions; `shuyuan demo` calls it.
"""

from portal.demo.loader import DemoSummary, load_demo

__all__ = ["DemoSummary", "load_demo"]
