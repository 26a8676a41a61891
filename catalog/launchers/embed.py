"""Copy each launcher into the templates that ship it (as the `start.py` file of a target).

The local target runs one command without a shell, so services that need preparing
before their server starts (PostgreSQL, MariaDB, WordPress) ship a small Python launcher as a file
of the service. Its source lives here, readable; the template carries a copy, which
`tests/catalog/test_templates_vs_modules.py` checks is current. After editing a
launcher, run:  python3 catalog/launchers/embed.py
"""

import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE.parent / "templates"
# template -> (target, file name in the service, launcher source)
SHIPPED = {
    "postgresql": ("local", "start.py", "postgresql-start.py"),
    "mariadb": ("local", "start.py", "mariadb-start.py"),
    "wordpress": ("local", "start.py", "wordpress-start.py"),
}


def embedded(template: str) -> tuple[str, str, str]:
    target, name, source = SHIPPED[template]
    return target, name, (HERE / source).read_text()


def main() -> None:
    for template in SHIPPED:
        path = TEMPLATES / f"{template}.template.tfvars.json"
        doc = json.loads(path.read_text())
        target, name, text = embedded(template)
        doc["targets"][target]["variables"]["files"][name] = text
        path.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
        print(f"{path.name}: {target} {name} <- {SHIPPED[template][2]}")


if __name__ == "__main__":
    main()
