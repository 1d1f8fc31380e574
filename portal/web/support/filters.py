"""Jinja filters for the themes: sizes, times, summaries, links."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from urllib.parse import quote, urlsplit

from markdown_it import MarkdownIt
from markupsafe import Markup

# China has one time zone and no daylight saving time; CKAN's timestamps are naive UTC.
BEIJING = timezone(timedelta(hours=8), "CST")
SAFE_SCHEMES = ("http", "https", "ftp")

# Summaries may use Markdown, as in CKAN. Raw HTML is off, and markdown-it refuses
# javascript:, vbscript: and data: links, so a summary cannot carry script.
_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False})


def filesize(value: int | None) -> str:
    if value is None:
        return ""
    size = float(value)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{int(size)} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return ""  # unreachable


def parse_time(value: str) -> datetime | None:
    """An ISO 8601 timestamp; naive ones are UTC (CKAN writes them so)."""
    try:
        parsed = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def local_time(value: str | None) -> str:
    """'2024-03-01T02:05:00.000001' (UTC) -> '2024-03-01 10:05' (Beijing time)."""
    parsed = parse_time(value or "")
    return parsed.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M") if parsed else (value or "")


def local_day(value: str | None) -> str:
    parsed = parse_time(value or "")
    return parsed.astimezone(BEIJING).strftime("%Y-%m-%d") if parsed else (value or "")


def thousands(value: int | None) -> str:
    return f"{value or 0:,}"


def markdown(text: str | None) -> Markup:
    return Markup(_markdown.render(text or ""))  # noqa: S704 - html is off, see above


def safe_url(url: str | None) -> str:
    """The URL if a browser may follow it from our pages, else '' (no javascript: links)."""
    if not url:
        return ""
    scheme = urlsplit(url.strip()).scheme.lower()
    return url.strip() if scheme in SAFE_SCHEMES else ""


def urlquote(value: str) -> str:
    return quote(value, safe="")


FILTERS = {
    "filesize": filesize,
    "local_time": local_time,
    "local_day": local_day,
    "thousands": thousands,
    "markdown": markdown,
    "safe_url": safe_url,
    "urlquote": urlquote,
}
