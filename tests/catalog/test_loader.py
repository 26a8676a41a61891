"""Loading the catalog: seeding an empty store, refusing broken catalogs, and the
repository's own catalog (every shipped template renders for every target)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from app.catalog.loader import load_catalog
from app.catalog.model import Entry, EveryTarget, FieldType
from app.catalog.render import render, secret_values
from app.catalog.validate import validate_create, validate_update
from app.errors import BadInput
from app.storage import keys

HOST = EveryTarget()

REPO_CATALOG = Path(__file__).resolve().parents[2] / "catalog"

# the module input contract every target shares (see catalog/templates/)
CONTRACT = {"service_id", "service_name", "ports", "env", "files", "command", "image", "endpoint_scheme"}

# optional contract variables some targets use (modules/README.md)
OPTIONAL = {
    "container_ports",
    "files_path",
    "data_path",
    "healthcheck",
    "instance_type",
    "allowed_cidrs",
    "volumes",
    "sidecars",
    "udp_ports",
    "privileged",
}


class MemoryStore:
    """The Store protocol over a dict: a fake of our own seam."""

    def __init__(self, objects: dict[str, bytes] | None = None) -> None:
        self.objects = dict(objects or {})

    async def get(self, key: str) -> bytes | None:
        return self.objects.get(key)

    async def put(self, key: str, data: bytes) -> None:
        self.objects[key] = bytes(data)

    async def delete(self, key: str) -> None:
        self.objects.pop(key, None)

    async def keys_under(self, prefix: str) -> list[str]:
        return sorted(k for k in self.objects if k.startswith(prefix))

    async def close(self) -> None:
        pass


def sample_values(entry: Entry) -> dict:
    """Defaults, plus a valid value for each required field."""
    samples = {
        FieldType.STRING: lambda f: "x" * max(f.min or 1, 1),
        FieldType.INTEGER: lambda f: f.min or 1,
        FieldType.NUMBER: lambda f: f.min or 1,
        FieldType.BOOLEAN: lambda f: True,
        FieldType.ENUM: lambda f: f.options[0],
        FieldType.LIST_OF_STRINGS: lambda f: ["x"] * (f.min or 1),
    }
    required = {f.name: samples[f.type](f) for f in entry.fields if f.required}
    return validate_update(entry, {}, required)


# --- the repository's own catalog ---


async def test_seeds_an_empty_store_from_the_repository():
    store = MemoryStore()
    catalog = await load_catalog(store, REPO_CATALOG)
    shipped = sorted(p.name for p in (REPO_CATALOG / "templates").iterdir())
    assert await store.keys_under(keys.TEMPLATES) == [keys.TEMPLATES + name for name in shipped]
    assert store.objects[keys.CATALOG] == (REPO_CATALOG / "catalog.json").read_bytes()
    ids = [e.id for e in catalog]
    assert ids[:2] == ["minecraft", "quakejs"] and len(ids) == len(shipped)


async def test_every_shipped_template_renders_for_every_target():
    catalog = await load_catalog(MemoryStore(), REPO_CATALOG)
    builtins = {"service_id": "0b7c6d4e-0000-4000-8000-000000000001", "service_name": "svc"}
    for entry in catalog:
        assert entry.name and entry.description
        for f in entry.fields:
            assert len(f.description) > 20, f"{entry.id}.{f.name} needs a description"
        values = sample_values(entry)
        for target in entry.targets:
            out = render(entry, target, values, builtins)
            where = f"{entry.id}/{target}"
            assert CONTRACT <= set(out) <= CONTRACT | OPTIONAL, where
            assert out["service_id"] == builtins["service_id"]
            assert out["ports"] and all(type(p) is int for p in out["ports"]), where
            assert all(isinstance(v, (str, int, float)) for v in out["env"].values()), where  # map(string) converts
            assert all(isinstance(v, str) for v in out["files"].values()), where
            # numbers in argv are fine: the engine converts them for list(string)
            assert all(type(a) in (str, int, float) for a in out["command"]), where
            assert isinstance(out["image"], str), where
            assert out["endpoint_scheme"] in ("", "http"), where
            json.dumps(out)


async def test_static_site_local():
    entry = (await load_catalog(MemoryStore(), REPO_CATALOG)).get("static-site")
    values = validate_update(entry, {}, {"title": "Hello <world>"})
    assert values == {"title": "Hello <world>", "message": "Deployed with SpawnIt", "port": 8080}
    out = render(entry, "local", values, {"service_id": "i", "service_name": "n"})
    assert out["command"] == ["python3", "-m", "http.server", 8080, "--bind", "127.0.0.1"]
    assert out["ports"] == [8080]
    assert "<h1>Hello <world></h1>" in out["files"]["index.html"]
    assert "Deployed with SpawnIt" in out["files"]["index.html"]
    assert out["endpoint_scheme"] == "http"
    assert entry.targets["docker"].requires == ("docker",)


async def test_redis_local(monkeypatch):
    entry = (await load_catalog(MemoryStore(), REPO_CATALOG)).get("redis")
    monkeypatch.setattr("app.catalog.model.shutil.which", lambda exe: f"/usr/bin/{exe}")
    values = validate_create(entry, "local", {"port": 6380, "password": "pw"}, HOST)
    out = render(entry, "local", values, {"service_id": "i", "service_name": "n"})
    assert out["command"] == [
        "redis-server",
        "redis.conf",
        "--port",
        6380,
        "--bind",
        "127.0.0.1",
        "--maxmemory",
        "64mb",
        "--appendonly",
        "no",
        "--save",
        "",
    ]
    # the password reaches the module as a template over var.secrets, never as a value
    assert 'user default on ">${password}" ~* &* +@all -@admin -@dangerous' in out["files"]["redis.conf"]
    assert "pw" not in json.dumps(out)
    assert secret_values(entry, values) == {"password": "pw"}
    assert out["env"] == {}
    assert out["ports"] == [6380] and out["endpoint_scheme"] == ""
    assert entry.field("password").sensitive
    assert entry.targets["local"].requires == ("redis-server",)


async def test_redis_local_is_unavailable_without_redis_server(monkeypatch):
    entry = (await load_catalog(MemoryStore(), REPO_CATALOG)).get("redis")
    monkeypatch.setattr("app.catalog.model.shutil.which", lambda exe: None)
    with pytest.raises(BadInput) as caught:
        validate_create(entry, "local", {}, HOST)
    assert caught.value.field == "target" and "redis-server" in caught.value.message


# --- seeding ---


async def test_an_existing_catalog_is_not_reseeded():
    store = MemoryStore()
    await load_catalog(store, REPO_CATALOG)
    doc = json.loads(store.objects[keys.CATALOG])
    doc["entries"] = [e for e in doc["entries"] if e["id"] == "redis"]
    store.objects[keys.CATALOG] = json.dumps(doc).encode()
    catalog = await load_catalog(store, REPO_CATALOG)
    assert [e.id for e in catalog] == ["redis"]


async def test_no_catalog_anywhere(tmp_path):
    with pytest.raises(ValueError, match="catalog.json: missing"):
        await load_catalog(MemoryStore(), tmp_path)


# --- broken catalogs ---

GOOD_FIELD = {"name": "port", "type": "integer", "default": 80, "min": 1, "max": 100}
GOOD_TARGETS = {"local": {"requires": [], "variables": {"ports": ["{{port}}"]}}}


def store_with(template: object, entries: object = None) -> MemoryStore:
    if entries is None:
        entries = [{"id": "demo", "name": "Demo", "description": "d", "template": "demo"}]
    raw = template if isinstance(template, bytes) else json.dumps(template).encode()
    return MemoryStore(
        {
            keys.CATALOG: json.dumps({"entries": entries}).encode(),
            keys.template("demo"): raw,
        }
    )


def field(**changes) -> dict:
    spec = {**GOOD_FIELD, **changes}
    return {"fields": [{k: v for k, v in spec.items() if v is not None}], "targets": GOOD_TARGETS}


TEMPLATE = "templates/demo.template.tfvars.json"
ENTRY = {"id": "demo", "name": "Demo", "description": "d", "template": "demo"}

BROKEN = [
    # (store, words the error must contain)
    (MemoryStore({keys.CATALOG: b"{not json"}), ["catalog.json", "not valid JSON"]),
    (MemoryStore({keys.CATALOG: b"[]"}), ["catalog.json", '"entries" list']),
    (store_with(field(), [{**ENTRY, "id": "Demo!"}]), ["catalog.json", "id must match"]),
    (store_with(field(), [ENTRY, ENTRY]), ["entry 'demo'", "duplicate id"]),
    (store_with(field(), [{**ENTRY, "name": ""}]), ["entry 'demo'", "name must be"]),
    (store_with(field(), [{**ENTRY, "colour": 1}]), ["catalog.json", "unknown keys colour"]),
    (store_with(field(), [{**ENTRY, "template": "../x"}]), ["template must match"]),
    (
        store_with(field(), [{**ENTRY, "template": "gone"}]),
        ["entry 'demo'", "templates/gone.template.tfvars.json is missing"],
    ),
    (store_with(b"{oops"), [TEMPLATE, "not valid JSON"]),
    (store_with([]), [TEMPLATE, "must be an object"]),
    (store_with({"fields": [GOOD_FIELD]}), [TEMPLATE, '"targets" must be']),
    (store_with({"fields": [GOOD_FIELD], "targets": GOOD_TARGETS, "x": 1}), [TEMPLATE, "unknown keys x"]),
    (
        store_with({"fields": [GOOD_FIELD, GOOD_FIELD], "targets": GOOD_TARGETS}),
        [TEMPLATE, "duplicate field names: port"],
    ),
    (store_with(field(type="float")), [TEMPLATE, "'port'", "type must be one of"]),
    (store_with(field(requred=True)), [TEMPLATE, "'port'", "unknown keys requred"]),
    (store_with(field(name="Port")), [TEMPLATE, "fields[0]", "name must match"]),
    (store_with(field(name="service_id")), [TEMPLATE, "set by SpawnIt"]),
    (store_with(field(default=None)), [TEMPLATE, "'port'", "optional field needs a default"]),
    (store_with(field(required=True)), [TEMPLATE, "'port'", "required field takes no default"]),
    (store_with(field(required="yes")), [TEMPLATE, "'port'", "required must be true or false"]),
    (store_with(field(default=500)), [TEMPLATE, "'port'", "default must be at most 100"]),
    (store_with(field(default="80")), [TEMPLATE, "'port'", "default must be a whole number"]),
    (store_with(field(min=10, max=5)), [TEMPLATE, "'port'", "min must not exceed max"]),
    (store_with(field(min="1")), [TEMPLATE, "'port'", "min must be a number"]),
    (store_with(field(type="string", default="ab", min=0.5, max=None)), [TEMPLATE, "'port'", "is a length"]),
    (store_with(field(type="boolean", default=True)), [TEMPLATE, "'port'", "min applies to"]),
    (store_with(field(type="enum", default="a", min=None, max=None)), [TEMPLATE, "'port'", "options must be"]),
    (
        store_with(field(type="enum", default="a", options=["a", "a"], min=None, max=None)),
        [TEMPLATE, "'port'", "distinct"],
    ),
    (store_with(field(options=["a"])), [TEMPLATE, "'port'", "options apply to enum"]),
    (store_with(field(pattern="x")), [TEMPLATE, "'port'", "pattern applies to string"]),
    (
        store_with(field(type="string", default="a", min=None, max=None, pattern="(")),
        [TEMPLATE, "'port'", "not a valid regex"],
    ),
    (
        store_with(field(type="string", default="A", min=None, max=None, pattern="[a-z]+")),
        [TEMPLATE, "'port'", "default must match the pattern"],
    ),
    (
        store_with({"fields": [GOOD_FIELD], "targets": {"local": {"variables": {"p": "{{prot}}"}}}}),
        [TEMPLATE, "target 'local'", "{{prot}} names no field"],
    ),
    (
        store_with({"fields": [GOOD_FIELD], "targets": {"local": {"variables": []}}}),
        [TEMPLATE, "targets.local", '"variables" must be an object'],
    ),
    (
        store_with({"fields": [GOOD_FIELD], "targets": {"local": {"requires": "redis", "variables": {}}}}),
        [TEMPLATE, "targets.local", '"requires" must be a list'],
    ),
    (
        store_with({"fields": [GOOD_FIELD], "targets": {"Local!": {"variables": {}}}}),
        [TEMPLATE, "targets.Local!", "name must match"],
    ),
]


@pytest.mark.parametrize("store, words", BROKEN)
async def test_a_broken_catalog_is_refused_with_a_clear_message(store, words):
    with pytest.raises(ValueError) as caught:
        await load_catalog(store, REPO_CATALOG)
    for word in words:
        assert word in str(caught.value)


async def test_the_good_variant_of_the_broken_ones_loads():
    catalog = await load_catalog(store_with(field()), REPO_CATALOG)
    entry = catalog.get("demo")
    assert entry.field("port").default == 80
    assert entry.targets["local"].requires == ()


async def test_seeding_refuses_a_badly_named_template(tmp_path):
    (tmp_path / "templates").mkdir()
    (tmp_path / "catalog.json").write_text('{"entries": []}')
    (tmp_path / "templates" / "Bad_Name.template.tfvars.json").write_text("{}")
    with pytest.raises(ValueError, match="Bad_Name"):
        await load_catalog(MemoryStore(), tmp_path)


# --- the real FolderStore ---


async def test_folder_store_seed_and_reload(tmp_path):
    from app.storage.folder import FolderStore

    store = FolderStore(tmp_path / "store")
    first = await load_catalog(store, REPO_CATALOG)
    assert (tmp_path / "store" / "catalog.json").is_file()
    assert (tmp_path / "store" / "templates" / "redis.template.tfvars.json").is_file()
    # a second start reads the store, not the seed
    second = await load_catalog(store, tmp_path / "no-seed-here")
    assert [e.id for e in second] == [e.id for e in first]
    assert [e.id for e in first][:2] == ["minecraft", "quakejs"]
    # icons are the project's own files (seed_dir/icons), not the store's: none in "no-seed-here"
    assert second.get("redis") == replace(first.get("redis"), icon=None)


async def test_a_target_without_a_module_is_listed_but_not_available(monkeypatch):
    monkeypatch.setattr("app.catalog.model.shutil.which", lambda exe: f"/usr/bin/{exe}")
    entry = (await load_catalog(MemoryStore(), REPO_CATALOG, modules={"local"})).get("static-site")
    assert "docker" in entry.targets
    assert entry.available_targets(HOST) == ["local"]
    assert "no module" in entry.unavailable_reason("docker", HOST)
    with pytest.raises(BadInput) as caught:
        validate_create(entry, "docker", {"title": "t"}, HOST)
    assert caught.value.field == "target"


@pytest.mark.parametrize("bad", [0, -5, "soon", True, None])
def test_a_job_timeout_must_be_positive_seconds(bad: object) -> None:
    from app.catalog.loader import _entry_meta

    item = {"id": "x", "name": "X", "description": "d", "jobTimeoutSeconds": bad}
    if bad is None:  # JSON null: not a number
        item["jobTimeoutSeconds"] = None
    with pytest.raises(ValueError, match="jobTimeoutSeconds must be a positive number"):
        _entry_meta(item, "catalog.json: entries[0]")
    assert _entry_meta({**item, "jobTimeoutSeconds": 90}, "w") == ("x", "x")
