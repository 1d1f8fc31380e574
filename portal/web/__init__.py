"""Public pages (blueprints rendering themes/). Views parse, call actions, render."""

from __future__ import annotations

from pathlib import Path

from flask import Flask


def init_web(app: Flask, theme: Path) -> None:
    from portal.web.pages import bp

    app.register_blueprint(bp)
