"""Which language a page is shown in: Chinese by default, English on request.

`?lang=en` on any page switches the language and the choice is kept in the
signed session cookie, so the following pages stay in that language. The
languages offered are the settings' site.locales; the default is
site.locale_default.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, request, session, url_for

SESSION_KEY = "lang"


def _settings_locales() -> tuple[str, list[str]]:
    settings = current_app.extensions["shuyuan"].settings
    default = str(settings.get("site", "locale_default", "zh"))
    offered = [str(x) for x in settings.get("site", "locales", [default])]
    if default not in offered:
        offered.insert(0, default)
    return default, offered


def remember_choice() -> None:
    """before_request: keep a valid ?lang= in the session (pages only, not the API)."""
    if request.path.startswith("/api/"):
        return
    wanted = request.args.get("lang")
    if wanted and wanted in _settings_locales()[1]:
        session[SESSION_KEY] = wanted


def select_locale() -> str:
    """flask-babel's locale selector: ?lang=, then the session, then the default."""
    default, offered = _settings_locales()
    for candidate in (request.args.get("lang"), session.get(SESSION_KEY)):
        if candidate in offered:
            return str(candidate)
    return default


def lang_url(code: str) -> str:
    """The current page (with its query) in another language."""
    if request.endpoint is None:
        return "?lang=" + code
    # url_for reads keys like _external and _scheme as options, not query arguments.
    args: dict[str, Any] = {k: v for k, v in request.args.to_dict(flat=False).items()
                            if not k.startswith("_")}
    args.update(request.view_args or {}, lang=code)
    return url_for(request.endpoint, **args)


def html_lang(code: str) -> str:
    """BCP 47 tag for <html lang>: zh -> zh-CN, so browsers pick simplified glyphs."""
    return {"zh": "zh-CN"}.get(code, code)
