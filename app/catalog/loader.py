"""Reading the catalog from storage (seeding storage from the repository if empty).

A broken catalog is a deployment error: every problem raises a ValueError naming the
file and what is wrong, at start-up, never when a person opens a form.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection
from dataclasses import replace
from pathlib import Path
from typing import Any

from app.catalog.icons import read_icon
from app.catalog.model import BUILTINS, OTHER, Catalog, Category, Entry, Field, FieldType, TargetSpec
from app.catalog.outputs import parse_outputs
from app.catalog.render import render
from app.catalog.validate import check_value, generate_secret
from app.storage import Store, keys

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
_FIELD_NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
_TARGET_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")
_TEMPLATE_SUFFIX = ".template.tfvars.json"
_ENTRY_KEYS = {"id", "name", "description", "template", "jobTimeoutSeconds", "category"}
_CATALOG_KEYS = {"categories", "entries"}
_CATEGORY_KEYS = {"id", "name", "description"}
_TEMPLATE_KEYS = {"fields", "targets", "outputs", "unsupported"}
_TARGET_KEYS = {"requires", "variables"}
_FIELD_KEYS = {
    "name",
    "type",
    "description",
    "required",
    "default",
    "min",
    "max",
    "options",
    "sensitive",
    "pattern",
    "generate",
}
_SIZED = {FieldType.STRING, FieldType.LIST_OF_STRINGS}
_BOUNDED = _SIZED | {FieldType.NUMBER, FieldType.INTEGER}


async def load_catalog(store: Store, seed_dir: Path, modules: Collection[str] | None = None) -> Catalog:
    """The catalog in `store`; if it has none, first copy `seed_dir`'s into it.

    `modules`: the targets this SpawnIt has a module for (None: assume all); an entry's
    target without one is listed but not available. Icons come from the project's own
    files, `seed_dir/icons/<entry id>.svg` (an entry without one gets the generic icon)."""
    if await store.get(keys.CATALOG) is None:
        await _seed(store, Path(seed_dir))
    doc = _json(await store.get(keys.CATALOG), keys.CATALOG)
    if not isinstance(doc, dict) or not isinstance(doc.get("entries"), list):
        raise ValueError(f'{keys.CATALOG}: must be an object with an "entries" list')
    _no_unknown_keys(doc, _CATALOG_KEYS, keys.CATALOG)
    categories = _categories(doc.get("categories", []))
    entries: dict[str, Entry] = {}
    for i, item in enumerate(doc["entries"]):
        entry_id, template = _entry_meta(item, f"{keys.CATALOG}: entries[{i}]")
        where = f"{keys.CATALOG}: entry '{entry_id}'"
        _expect(entry_id not in entries, where, "duplicate id")
        category = item.get("category", OTHER.id)
        known = category in categories or category == OTHER.id
        _expect(known, where, f"category {str(category)[:64]!r} is not in the catalog's categories")
        key = keys.template(template)
        data = await store.get(key)
        _expect(data is not None, where, f"its template {key} is missing")
        entry = _entry(item, _json(data, key), key)
        targets = {n: replace(t, has_module=modules is None or n in modules) for n, t in entry.targets.items()}
        icon = read_icon(Path(seed_dir) / "icons", entry_id)
        entries[entry_id] = replace(entry, targets=targets, category=categories.get(category, OTHER), icon=icon)
    used = {e.category.id for e in entries.values()}
    shelves = {c.id: c for c in [*categories.values(), OTHER] if c.id in used}
    return Catalog(entries, shelves)


def _categories(items: Any) -> dict[str, Category]:
    _expect(isinstance(items, list), keys.CATALOG, '"categories" must be a list')
    found: dict[str, Category] = {}
    for i, item in enumerate(items):
        where = f"{keys.CATALOG}: categories[{i}]"
        _expect(isinstance(item, dict), where, "must be an object")
        _no_unknown_keys(item, _CATEGORY_KEYS, where)
        ok = isinstance(item.get("id"), str) and SLUG.match(item["id"])
        _expect(ok, where, f"id must match {SLUG.pattern}")
        _expect(item["id"] not in found, where, "duplicate id")
        for key in ("name", "description"):
            ok = isinstance(item.get(key), str) and item[key]
            _expect(ok, where, f"{key} must be a non-empty string")
        found[item["id"]] = Category(item["id"], item["name"], item["description"])
    return found


async def _seed(store: Store, seed_dir: Path) -> None:
    catalog_file = seed_dir / "catalog.json"
    if not catalog_file.is_file():
        raise ValueError(f"{catalog_file}: missing, and the store has no {keys.CATALOG}")
    for path in sorted((seed_dir / "templates").glob(f"*{_TEMPLATE_SUFFIX}")):
        ok = SLUG.match(path.name.removesuffix(_TEMPLATE_SUFFIX))
        _expect(ok, str(path), f"name must be <id>{_TEMPLATE_SUFFIX}, id like {SLUG.pattern}")
        await store.put(keys.TEMPLATES + path.name, path.read_bytes())
    # last: a seed cut short leaves no catalog.json, so the next start seeds again
    await store.put(keys.CATALOG, catalog_file.read_bytes())


def _entry_meta(item: Any, where: str) -> tuple[str, str]:
    """A catalog.json entry's id and template name (both slugs: they reach keys)."""
    _expect(isinstance(item, dict), where, "must be an object")
    _no_unknown_keys(item, _ENTRY_KEYS, where)
    entry_id = item.get("id")
    ok = isinstance(entry_id, str) and SLUG.match(entry_id)
    _expect(ok, where, f"id must match {SLUG.pattern}")
    where = f"{keys.CATALOG}: entry '{entry_id}'"
    for key in ("name", "description"):
        ok = isinstance(item.get(key), str) and item[key]
        _expect(ok, where, f"{key} must be a non-empty string")
    template = item.get("template", entry_id)
    ok = isinstance(template, str) and SLUG.match(template)
    _expect(ok, where, f"template must match {SLUG.pattern}")
    timeout = item.get("jobTimeoutSeconds", 1)
    positive = isinstance(timeout, int | float) and not isinstance(timeout, bool) and 0 < timeout < float("inf")
    _expect(positive, where, "jobTimeoutSeconds must be a positive number of seconds")
    return entry_id, template


def _entry(meta: dict[str, Any], doc: Any, where: str) -> Entry:
    _expect(isinstance(doc, dict), where, "must be an object")
    _no_unknown_keys(doc, _TEMPLATE_KEYS, where)
    specs = doc.get("fields", [])
    _expect(isinstance(specs, list), where, '"fields" must be a list')
    fields = tuple(_field(spec, f"{where}: fields[{i}]") for i, spec in enumerate(specs))
    names = [f.name for f in fields]
    dupes = sorted({n for n in names if names.count(n) > 1})
    _expect(not dupes, where, f"duplicate field names: {', '.join(dupes)}")
    targets = doc.get("targets")
    ok = isinstance(targets, dict) and targets
    _expect(ok, where, '"targets" must be a non-empty object')
    unsupported = doc.get("unsupported", {})
    listed = isinstance(unsupported, dict) and all(isinstance(v, str) and v for v in unsupported.values())
    _expect(listed, where, '"unsupported" must map target names to the reason (a non-empty string)')
    both = sorted(set(unsupported) & set(targets))
    _expect(not both, where, f"targets both supported and unsupported: {', '.join(both)}")
    entry = Entry(
        id=meta["id"],
        name=meta["name"],
        description=meta["description"],
        fields=fields,
        targets={n: _target(n, spec, f"{where}: targets.{n}") for n, spec in targets.items()},
        job_timeout_seconds=meta.get("jobTimeoutSeconds"),
        outputs=parse_outputs(doc.get("outputs", []), fields, f"{where}: outputs"),
        unsupported=dict(unsupported),
    )
    # test-render every target with the defaults: an unknown placeholder fails here
    defaults = {f.name: f.default for f in fields}
    for target in entry.targets:
        try:
            render(entry, target, defaults, {name: name for name in BUILTINS})
        except ValueError as e:
            raise ValueError(f"{where}: {e}") from None
    return entry


def _target(name: str, spec: Any, where: str) -> TargetSpec:
    _expect(_TARGET_NAME.match(name), where, f"name must match {_TARGET_NAME.pattern}")
    _expect(isinstance(spec, dict), where, "must be an object")
    _no_unknown_keys(spec, _TARGET_KEYS, where)
    requires = spec.get("requires", [])
    ok = isinstance(requires, list) and all(isinstance(r, str) and r for r in requires)
    _expect(ok, where, '"requires" must be a list of executable names')
    _expect(isinstance(spec.get("variables"), dict), where, '"variables" must be an object')
    return TargetSpec(name=name, variables=spec["variables"], requires=tuple(requires))


def _field(spec: Any, where: str) -> Field:
    _expect(isinstance(spec, dict), where, "must be an object")
    name = spec.get("name")
    ok = isinstance(name, str) and _FIELD_NAME.match(name)
    _expect(ok, where, f"name must match {_FIELD_NAME.pattern}")
    where = f"{where} '{name}'"
    _expect(name not in BUILTINS, where, f"{name} is set by SpawnIt, not by the form")
    _no_unknown_keys(spec, _FIELD_KEYS, where)
    types = [t.value for t in FieldType]
    _expect(spec.get("type") in types, where, f"type must be one of {', '.join(types)}")
    ftype = FieldType(spec["type"])
    for key in ("required", "sensitive", "generate"):
        _expect(isinstance(spec.get(key, False), bool), where, f"{key} must be true or false")
    _expect(isinstance(spec.get("description", ""), str), where, "description must be a string")
    field = Field(
        name=name,
        type=ftype,
        description=spec.get("description", ""),
        required=spec.get("required", False),
        min=_bound(spec, "min", ftype, where),
        max=_bound(spec, "max", ftype, where),
        options=_options(spec, ftype, where),
        sensitive=spec.get("sensitive", False),
        pattern=_pattern(spec, ftype, where),
        generate=spec.get("generate", False),
    )
    if field.generate:
        generable = field.type is FieldType.STRING and field.sensitive and not field.required
        _expect(generable, where, "generate is for optional sensitive string fields")
        _, problem = check_value(field, generate_secret(field))
        _expect(problem is None, where, f"a generated value would be refused: {problem}")
    _expect(field.min is None or field.max is None or field.min <= field.max, where, "min must not exceed max")
    if spec.get("default") is None:
        _expect(field.required, where, "an optional field needs a default")
        return field
    _expect(not field.required, where, "a required field takes no default")
    default, problem = check_value(field, spec["default"])
    _expect(problem is None, where, f"default {problem}")
    return replace(field, default=default)


def _bound(spec: dict[str, Any], key: str, ftype: FieldType, where: str) -> int | float | None:
    bound = spec.get(key)
    if bound is None:
        return None
    _expect(ftype in _BOUNDED, where, f"{key} applies to numbers, strings, lists only")
    _expect(isinstance(bound, (int, float)) and not isinstance(bound, bool), where, f"{key} must be a number")
    sized_ok = ftype not in _SIZED or (isinstance(bound, int) and bound >= 0)
    _expect(sized_ok, where, f"{key} of a {ftype.value} is a length: a whole number >= 0")
    number: int | float = bound
    return number


def _options(spec: dict[str, Any], ftype: FieldType, where: str) -> tuple[str, ...]:
    options = spec.get("options")
    if ftype is not FieldType.ENUM:
        _expect(options is None, where, "options apply to enum fields only")
        return ()
    listed: list[str] = options if isinstance(options, list) else []
    ok = bool(listed) and all(isinstance(o, str) for o in listed) and len(set(listed)) == len(listed)
    _expect(ok, where, "options must be a non-empty list of distinct strings")
    return tuple(listed)


def _pattern(spec: dict[str, Any], ftype: FieldType, where: str) -> str | None:
    pattern = spec.get("pattern")
    if pattern is None:
        return None
    _expect(ftype is FieldType.STRING, where, "pattern applies to string fields only")
    _expect(isinstance(pattern, str), where, "pattern must be a string")
    try:
        re.compile(pattern)
    except re.error as e:
        raise ValueError(f"{where}: pattern is not a valid regex: {e}") from None
    text: str = pattern
    return text


def _json(data: bytes | None, where: str) -> Any:
    try:
        return json.loads(data or b"")
    except ValueError as e:  # JSONDecodeError and UnicodeDecodeError both are
        raise ValueError(f"{where}: not valid JSON: {e}") from None


def _no_unknown_keys(doc: dict[str, Any], allowed: set[str], where: str) -> None:
    unknown = sorted(set(doc) - allowed)
    allowed_list = ", ".join(sorted(allowed))
    _expect(not unknown, where, f"unknown keys {', '.join(unknown)} (allowed: {allowed_list})")


def _expect(ok: Any, where: str, problem: str) -> None:
    if not ok:
        raise ValueError(f"{where}: {problem}")
