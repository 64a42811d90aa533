"""Editing the course's YAML data files in tests, with libyaml's C parser and emitter where installed.

The pure-Python ones took about 0.6 s for each edit of the timeline: most of the fast lane's data tests.
"""

from __future__ import annotations

from pathlib import Path

import yaml

LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def read_yaml(path: Path):
    return yaml.load(path.read_text(encoding="utf-8"), Loader=LOADER)


def write_yaml(path: Path, content) -> None:
    path.write_text(yaml.dump(content, Dumper=DUMPER, allow_unicode=True, sort_keys=False), encoding="utf-8")


def edit_yaml(path: Path, change) -> None:
    """Parse a YAML file, let ``change`` modify it in place, write it back."""
    content = read_yaml(path)
    change(content)
    write_yaml(path, content)
