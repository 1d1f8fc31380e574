"""The pages: blueprints rendering the theme's templates, by audience.

public/ is what citizens see without an account, console/ the staff console,
account/ signing in and a user's own applications, support/ what they share.
Views read the request, call actions through `portal.web.support.calls`, and
render; they never touch the database, and an action's refusal reaches the
visitor through one error handler (support/errors.py). The theme folder holds the
templates, the static files and the translations (msgids in English, Chinese in
translations/zh).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from flask import Flask, current_app
from flask_babel import Babel, get_locale

from portal import i18n
from portal.web.support import catalog, errors, labels, locale
from portal.web.support.filters import FILTERS

log = logging.getLogger(__name__)


def _compile_catalogs(theme: Path) -> None:
    """A clean clone has no .mo files (they are git-ignored): build what is missing."""
    try:
        i18n.compile_all(theme.parent)
    except OSError as exc:  # a read-only install: use whatever was compiled at build time
        log.warning("cannot compile translations under %s: %s", theme, exc)


def _site_context() -> dict[str, Any]:
    settings = current_app.extensions["shuyuan"].settings
    code = str(get_locale() or settings.get("site", "locale_default", "zh"))
    title = settings.get("site", "title", "")
    if not code.startswith("zh"):
        title = settings.get("site", "title_en") or title
    return {
        "site_title": title,
        "site_frame": settings.data.get("site", {}),  # footer: sponsor, organizer, contact, codes
        "colon": "：" if code.startswith("zh") else ": ",  # label：value, as each script writes it
        "locale": code,
        "html_lang": locale.html_lang(code),
        "locales": [str(x) for x in settings.get("site", "locales", ["zh", "en"])],
    }


def init_web(app: Flask, theme: Path) -> None:
    from portal.web.account import applications, apply, auth
    from portal.web.console import dashboard, dataset, members, review, sharing
    from portal.web.public import (
        dataset_zip,
        datasets,
        developer,
        downloads,
        dumps,
        groups,
        home,
        organizations,
    )

    _compile_catalogs(theme)
    default = str(app.extensions["shuyuan"].settings.get("site", "locale_default", "zh"))
    Babel(app, default_locale=default, default_timezone="Asia/Shanghai",
          default_translation_directories=str(theme / "translations"),
          locale_selector=locale.select_locale)
    app.before_request(locale.remember_choice)
    app.context_processor(_site_context)
    app.jinja_env.filters.update(FILTERS)
    app.jinja_env.globals.update(label=labels.label, lang_url=locale.lang_url,
                                 catalog_facts=catalog.FACTS)
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    for module in (home, datasets, downloads, dataset_zip, dumps, organizations, groups,
                   developer):
        app.register_blueprint(module.bp)
    # Sign-in: g.caller and the CSRF check for every page, then the pages behind it.
    auth.init(app)
    for module in (applications, apply, dashboard, dataset, members, review, sharing):
        app.register_blueprint(module.bp)
    errors.register(app)
