"""A catalog entry whose job prints as many log lines as asked (the `lines` target: one
`terraform_data` with a python3 `local-exec` provisioner), after a gate file appears,
each line padded to `pad` characters: what the log fan-out tests follow."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from tests.api.client import Api

ENTRY = "log-lines"
TEMPLATE = {
    "fields": [
        {"name": "lines", "type": "integer", "default": 100, "min": 1, "max": 1000000, "description": "Lines."},
        {"name": "pad", "type": "integer", "default": 0, "min": 0, "max": 100000, "description": "Width."},
        {"name": "gate", "type": "string", "default": "", "max": 4000, "description": "Wait for this file."},
    ],
    "targets": {
        "lines": {"requires": ["python3"], "variables": {"lines": "{{lines}}", "pad": "{{pad}}", "gate": "{{gate}}"}}
    },
}
MODULE = r"""
variable "service_id" { type = string }
variable "service_name" { type = string }
variable "lines" { type = number }
variable "pad" { type = number }
variable "gate" { type = string }

resource "terraform_data" "lines" {
  triggers_replace = [timestamp()]
  provisioner "local-exec" {
    interpreter = ["python3", "-c"]
    command     = <<-PY
      import os, time
      gate, lines, pad = ${jsonencode(var.gate)}, ${var.lines}, ${var.pad}
      while gate and not os.path.exists(gate):
          time.sleep(0.01)
      for i in range(lines):
          print(f"line {i} ".ljust(pad, "x"), flush=True)
    PY
  }
}
"""


def lines_catalog(tmp: Path, catalog_dir: Path, modules_dir: Path) -> dict[str, Path]:
    """Settings changes: a catalog with the `log-lines` entry, modules with `lines`."""
    catalog, modules = tmp / "catalog", tmp / "modules"
    shutil.copytree(catalog_dir, catalog)
    doc = json.loads((catalog / "catalog.json").read_text())
    doc["entries"].append({"id": ENTRY, "name": "Log lines", "description": "Prints lines.", "template": ENTRY})
    (catalog / "catalog.json").write_text(json.dumps(doc))
    (catalog / "templates" / f"{ENTRY}.template.tfvars.json").write_text(json.dumps(TEMPLATE))
    shutil.copytree(modules_dir, modules)
    (modules / "lines" / "instance").mkdir(parents=True)
    (modules / "lines" / "instance" / "main.tf").write_text(MODULE)
    return {"catalog_dir": catalog, "modules_dir": modules}


async def apply_lines(api: Api, name: str, **variables: Any) -> str:
    """A `log-lines` service applied: the apply job's id."""
    data = await api.run(
        "mutation($i: CreateServiceInput!) { createService(input: $i) { id } }",
        i={"catalogEntryId": ENTRY, "target": "lines", "name": name, "variables": variables},
    )
    job = await api.run("mutation($id: ID!) { applyService(id: $id) { id } }", id=data["createService"]["id"])
    return str(job["applyService"]["id"])
