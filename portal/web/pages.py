"""Public pages. (Placeholder until the pages are built.)"""

from flask import Blueprint

bp = Blueprint("web", __name__)


@bp.route("/")
def home() -> str:
    return "数源"
