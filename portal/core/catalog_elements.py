"""A catalog entry's elements, one row each: CKAN's fields and the national catalog
elements (政务数据资源目录要素).

Everything that names an element is derived from this table: the entry schema
(PACKAGE_SCHEMA in core/catalog_schema.py; the validators beyond type and
length are in core/catalog_validators.py), the columns an action sets from a
validated dict (STORED), the national elements package_show gives (core/dictize.py),
the console's entry form and the public page's element table (portal/web).
Labels and hints are English message ids; the translation catalogue holds the
Chinese. `dcat` names the DCAT-AP property an element maps to, for the catalog
export to come.
"""

from __future__ import annotations

from dataclasses import dataclass

from portal.core.catalog_validators import (
    data_items,
    extras,
    ref_list,
    resource_code,
    tag_list,
)
from portal.core.validation import (
    Validator,
    boolean,
    default,
    iso_date,
    json_list,
    link,
    list_of_strings,
    one_of,
    optional,
    required,
    slug,
    string,
)
from portal.models.catalog import (
    CLASSIFICATIONS,
    GRADINGS,
    OPEN_TYPES,
    SHARE_METHODS,
    SHARE_TYPES,
    UPDATE_PERIODS,
)

# The console form's fieldsets, in order (English message ids).
BASIC, CONTENT, SHARING, OPENING = ("Basic information", "Content",
                                    "Sharing between departments", "Opening to the public")
FIELDSETS = (BASIC, CONTENT, SHARING, OPENING)

# The same rules as catalog_schema's slug and resource_code, in the dialect of the HTML
# pattern attribute (anchored by the browser, "/" and "-" escaped for the v flag).
NAME_PATTERN = r"[a-z0-9_\-]{2,100}"
RESOURCE_CODE_PATTERN = r"[0-9A-Za-z][0-9A-Za-z\/._\-]{0,63}"


@dataclass(frozen=True)
class Element:
    key: str
    validators: tuple[Validator, ...]
    label: str = ""  # English message id
    # The console form: its input (text, textarea, select, date, tags, lines, org, licence,
    # items) in `fieldset`; None: not on the form.
    widget: str | None = None
    fieldset: str | None = None
    maxlength: int | None = None
    pattern: str | None = None
    choices: str | None = None  # the kind of coded value (portal/web/support/labels.py's MAPS)
    hint: str = ""
    # The public page's element table: text, label (a coded value), list, organization,
    # period (with the next element as its end); None: not in the table.
    shown: str | None = None
    page_label: str = ""  # the table's heading when it is not `label`
    # How a stored value becomes package_show's: plain, day (ISO date) or list; None: the
    # element is not a column set from the validated dict (handled by its action).
    stored: str | None = "plain"
    national: bool = False  # a national catalog element (package_show lists them together)
    dcat: str | None = None

    @property
    def heading(self) -> str:
        return self.page_label or self.label

    @property
    def required(self) -> bool:
        return required in self.validators


def _e(key: str, *validators: Validator, **kw: object) -> Element:
    return Element(key, validators, **kw)  # type: ignore[arg-type]


ELEMENTS: tuple[Element, ...] = (
    _e("id", optional, string(36), stored=None),
    _e("title", required, string(300), label="Resource name", widget="text", fieldset=BASIC,
       maxlength=300, shown="text", dcat="dct:title"),
    _e("name", required, slug, label="Name", widget="text", fieldset=BASIC, maxlength=100,
       pattern=NAME_PATTERN,
       hint="Part of the address /dataset/…: 2–100 lowercase letters (a-z), digits, “-” or “_”."),
    _e("notes", required, string(20_000), label="Summary", widget="textarea", fieldset=BASIC,
       maxlength=20_000, dcat="dct:description"),
    _e("owner_org", required, string(100), label="Provider", widget="org", fieldset=BASIC,
       shown="organization", stored=None, dcat="dct:publisher"),
    _e("resource_code", required, resource_code, label="Resource code", widget="text",
       fieldset=BASIC, maxlength=64, pattern=RESOURCE_CODE_PATTERN,
       hint="Letters, digits, “/”, “.”, “_” or “-”, e.g. 341324-JY-0001.", shown="text",
       national=True, dcat="dct:identifier"),
    _e("classification", required, one_of(CLASSIFICATIONS), label="Classification",
       widget="select", fieldset=BASIC, choices="classification", shown="label", national=True,
       dcat="dcat:theme"),
    _e("category_path", default(""), string(200), label="Category", widget="text",
       fieldset=BASIC, maxlength=200, hint="Class / item / subitem, separated by “/”.",
       shown="text", national=True),
    _e("data_items", default(list), data_items, label="Data items", widget="items",
       fieldset=CONTENT, stored="list", national=True),
    _e("format", default(""), string(100), label="Data format", widget="text",
       fieldset=CONTENT, maxlength=100, hint="e.g. CSV, XLSX, API", shown="text",
       national=True, dcat="dct:format"),
    _e("update_period", required, one_of(UPDATE_PERIODS), label="Update period",
       widget="select", fieldset=CONTENT, choices="update_period", shown="label",
       national=True, dcat="dct:accrualPeriodicity"),
    _e("share_type", required, one_of(SHARE_TYPES), label="Share type", widget="select",
       fieldset=SHARING, choices="share_type", shown="label", national=True),
    _e("share_condition", default(""), string(5000), label="Share condition",
       widget="textarea", fieldset=SHARING, maxlength=5000,
       hint="Required for conditional sharing.", shown="text", national=True),
    _e("share_method", default("api"), one_of(SHARE_METHODS), label="Share method",
       widget="select", fieldset=SHARING, choices="share_method", shown="label",
       national=True),
    _e("legal_basis", default(""), string(5000), label="Legal basis", widget="textarea",
       fieldset=SHARING, maxlength=5000,
       hint="Required unless shared unconditionally (Art. 25).", shown="text", national=True),
    _e("open_type", required, one_of(OPEN_TYPES), label="Open type", widget="select",
       fieldset=OPENING, choices="open_type", shown="label", national=True,
       dcat="dct:accessRights"),
    _e("open_condition", default(""), string(5000), label="Open condition",
       widget="textarea", fieldset=OPENING, maxlength=5000,
       hint="Required for conditional opening.", shown="text", national=True),
    _e("use_requirements", default(""), string(5000), label="Use requirements",
       widget="textarea", fieldset=OPENING, maxlength=5000, shown="text", national=True),
    _e("required_materials", default(list), list_of_strings(500),
       label="Required materials", widget="lines", fieldset=OPENING, hint="One per line.",
       shown="list", stored="list", national=True),
    _e("grading", default("general"), one_of(GRADINGS), label="Grading", widget="select",
       fieldset=CONTENT, choices="grading", hint="Core data is never opened.",
       shown="label", national=True),
    _e("issued", optional, iso_date, label="Issued", widget="date", fieldset=CONTENT,
       shown="text", stored="day", national=True, dcat="dct:issued"),
    _e("modified", optional, iso_date, label="Modified", shown="text", stored="day",
       national=True, dcat="dct:modified"),
    _e("spatial", default(""), string(5000), label="Spatial coverage", widget="text",
       fieldset=CONTENT, maxlength=5000, shown="text", national=True, dcat="dct:spatial"),
    _e("temporal_start", optional, iso_date, label="Coverage starts", widget="date",
       fieldset=CONTENT, shown="period", page_label="Temporal coverage", stored="day",
       national=True,
       dcat="dcat:startDate"),
    _e("temporal_end", optional, iso_date, label="Coverage ends", widget="date",
       fieldset=CONTENT, stored="day", national=True, dcat="dcat:endDate"),
    _e("tags", default(list), tag_list, label="Tags", widget="tags", fieldset=BASIC,
       hint="Separate tags with commas.", stored=None, dcat="dcat:keyword"),
    _e("tag_string", optional, list_of_strings(100), stored=None),
    _e("license_id", default("notspecified"), string(100), label="Licence", widget="licence",
       fieldset=BASIC, dcat="dct:license"),
    # CKAN's fields the national catalog does not name (the API keeps them for ckanapi).
    _e("url", default(""), link(500), label="Source", dcat="dcat:landingPage"),
    _e("version", default(""), string(100), label="Version", dcat="owl:versionInfo"),
    _e("author", default(""), string(200)),
    _e("author_email", default(""), string(200)),
    _e("maintainer", default(""), string(200), dcat="dcat:contactPoint"),
    _e("maintainer_email", default(""), string(200)),
    _e("private", default(False), boolean),
    _e("state", optional, one_of(("active", "draft", "deleted")), stored=None),
    _e("publication_state", optional, one_of(("draft", "pending", "published", "withdrawn")),
       stored=None),
    _e("type", default("dataset"), string(32)),
    _e("groups", default(list), ref_list, stored=None),
    _e("extras", default(dict), extras),
    _e("resources", optional, json_list, stored=None),
)

BY_KEY: dict[str, Element] = {e.key: e for e in ELEMENTS}
# Columns of the same name an action sets straight from the validated dict.
STORED: tuple[str, ...] = tuple(e.key for e in ELEMENTS if e.stored is not None)
# The national elements package_show gives, and how each stored value is given.
NATIONAL: tuple[Element, ...] = tuple(e for e in ELEMENTS if e.national)
# The console form: each fieldset's elements, in the table's order.
FORM: tuple[tuple[str, tuple[Element, ...]], ...] = tuple(
    (name, tuple(e for e in ELEMENTS if e.fieldset == name and e.widget)) for name in FIELDSETS)
# The public page's element table.
SHOWN: tuple[Element, ...] = tuple(e for e in ELEMENTS if e.shown)
