"""Each class its own version of every autograded question, from a secret the repository never holds.

The course is public: ``solutions/`` is on the web and in the wheel, so a
class graded on the public questions can copy the public answers. An
instructor therefore makes a secret once (``mali-ssr class-secret``, which
writes ``.mali-ssr/class-secret`` in the course folder, a folder git ignores);
from then on ``nbgrader generate_assignment`` (through the course's
``nbgrader_config.py``) gives the class its own parameters: other years,
other events to classify, another order of the multiple-choice options.

How an assignment declares its parameters: one locked code cell (grade id
``variant``) assigns each parameter its public value, and its cell metadata
``mali_ssr.variants`` says how a class value is chosen::

    {"q2_last_year": {"choices": [2005, 2009, 2011]},         # one of these
     "q4_events": {"sample": 4, "from": ["id-1", ...]},         # 4 of these, in this order
     "q3_order": {"permutation": "abcd", "options_cell": "q3_text"}}   # options shuffled

The hidden tests compute the expected answers from the course data and these
parameters, so they hold no literal answer. Markdown shows a parameter where
it is written ``<span data-variant="NAME">public value</span>``; the options
of a permuted question are the ``- **a.** ...`` lines of its options cell.
Nothing here runs for the public variant: without a secret, the release is
exactly what ``solutions/`` says. The parameter cell is locked, so nbgrader's
autograde restores it from the gradebook, and the independent re-check
(:mod:`.recheck`) rebuilds it from that trusted copy: a student who assigns
other values in an answer cell changes nothing that is graded.
"""

from __future__ import annotations

import ast
import hashlib
import hmac
import json
import random
import re
import secrets
from pathlib import Path

from nbconvert.preprocessors import Preprocessor
from traitlets import Unicode

from ..i18n import _
from . import notebooks
from .course import STATE_DIR, CourseError

SECRET_FILE = Path(STATE_DIR) / "class-secret"
PARAMETER_CELL = "variant"
METADATA_KEY = "variants"
LETTERS = "abcdefghijklmnopqrstuvwxyz"
_SPAN = re.compile(r'<span data-variant="(?P<name>[A-Za-z_][A-Za-z0-9_]*)">(?P<shown>.*?)</span>', re.S)
_OPTION = re.compile(r"^- \*\*(?P<letter>[a-z])(?P<dot>\.?)\*\*")


def create_secret(root: Path, force: bool = False) -> Path:
    """Write a new class secret in the course folder; refuse to replace one unless ``force``."""
    path = Path(root) / SECRET_FILE
    if path.exists() and not force:
        raise CourseError(_("{path} already exists: this class already has its own variant. Replacing it changes "
                            "every question of assignments you generate from now on; to do so on purpose, run "
                            "`mali-ssr class-secret --force`").format(path=path))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(secrets.token_hex(32) + "\n", encoding="utf-8")
    path.chmod(0o600)
    return path


def read_secret(root: Path, relative: str | Path = SECRET_FILE) -> str | None:
    """The class secret, or None when the course has none (the public variant)."""
    path = Path(root) / relative
    try:
        text = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    if len(text) < 32:
        raise CourseError(_("{path} is not a class secret (too short): make a new one with "
                            "`mali-ssr class-secret --force`").format(path=path))
    return text


def base_assignment(assignment: str) -> str:
    """Both editions of an assignment share their parameters: ``01_history_fr`` is ``01_history``."""
    return assignment[:-3] if assignment.endswith("_fr") else assignment


def _rng(secret: str, assignment: str, name: str) -> random.Random:
    digest = hmac.new(secret.encode(), f"{base_assignment(assignment)}/{name}".encode(), hashlib.sha256).digest()
    return random.Random(int.from_bytes(digest, "big"))


def _choose(rule: dict, public, rng: random.Random):
    """A class value for one parameter, never the public one when another is possible."""
    if "choices" in rule:
        others = [c for c in rule["choices"] if c != public] or list(rule["choices"])
        return rng.choice(others)
    if "sample" in rule:
        pool = list(rule["from"])
        for _attempt in range(100):
            picked = set(rng.sample(pool, int(rule["sample"])))
            if picked != set(public):
                break
        return [item for item in pool if item in picked]  # the pool's order: stable and readable
    if "permutation" in rule:
        letters = list(rule["permutation"])
        if len(set(letters)) != len(letters) or len(letters) < 2:
            raise CourseError(_("a permutation rule needs two or more different option letters, not {letters!r}: "
                                "fix the rule in the variant cell's metadata").format(letters=rule["permutation"]))
        while True:  # a derangement: every option changes letter, so no public letter stays right by luck
            order = letters[:]
            rng.shuffle(order)
            if all(a != b for a, b in zip(order, letters, strict=True)):
                return "".join(order)
    raise CourseError(_("unknown variant rule {rule!r}: use choices, sample or permutation").format(rule=rule))


def public_parameters(cell) -> dict[str, object]:
    """The parameters a ``variant`` cell assigns, with their public values."""
    values = {}
    for node in ast.parse(notebooks.source(cell)).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            values[node.targets[0].id] = ast.literal_eval(node.value)
    return values


def class_parameters(secret: str, assignment: str, cell) -> dict[str, object]:
    """The class's value of every parameter the cell declares a rule for."""
    rules = cell.get("metadata", {}).get("mali_ssr", {}).get(METADATA_KEY, {})
    public = public_parameters(cell)
    missing = sorted(set(rules) - set(public))
    if missing:
        raise CourseError(_("the variant cell of {assignment} has rules for {names} but assigns no public value to "
                            "them").format(assignment=assignment, names=", ".join(missing)))
    return {name: _choose(rule, public[name], _rng(secret, assignment, name)) for name, rule in rules.items()}


def _shown(value) -> str:
    if isinstance(value, (list, tuple)):
        return ", ".join(f'`"{item}"`' for item in value)
    return str(value)


def rewrite_parameter_cell(cell, values: dict[str, object]) -> None:
    """Each ``NAME = public`` line of the cell becomes ``NAME = class value`` (comments after it kept)."""
    source = notebooks.source(cell)
    lines = source.splitlines()
    assigns = [node for node in ast.parse(source).body
               if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)
               and node.targets[0].id in values]
    for node in sorted(assigns, key=lambda n: n.lineno, reverse=True):
        name, first, last = node.targets[0].id, node.lineno - 1, node.end_lineno - 1
        comment = lines[last][node.end_col_offset:]
        lines[first:last + 1] = [f"{name} = {json.dumps(values[name], ensure_ascii=False)}{comment}"]
    cell.source = "\n".join(lines)


def rewrite_markdown(text: str, values: dict[str, object]) -> str:
    return _SPAN.sub(lambda m: (f'<span data-variant="{m["name"]}">{_shown(values[m["name"]])}</span>'
                                if m["name"] in values else m[0]), text)


def permute_options(text: str, order: str) -> str:
    """Reorder a cell's ``- **a.** ...`` option lines: the option shown as letter i is public option order[i]."""
    lines = text.split("\n")
    starts = [i for i, line in enumerate(lines) if _OPTION.match(line)]
    if not starts:
        return text
    blocks, end = {}, starts[0]
    for position, start in enumerate(starts):
        stop = starts[position + 1] if position + 1 < len(starts) else start + 1
        if position + 1 == len(starts):
            while stop < len(lines) and lines[stop].startswith((" ", "\t")) and lines[stop].strip():
                stop += 1
        blocks[_OPTION.match(lines[start])["letter"]] = lines[start:stop]
        end = stop
    shown = []
    for position, public_letter in enumerate(order):
        block = blocks[public_letter]
        match = _OPTION.match(block[0])
        first = f"- **{LETTERS[position]}{match['dot']}**" + block[0][match.end():]
        shown += [first, *block[1:]]
    return "\n".join(lines[:starts[0]] + shown + lines[end:])


def apply_variant(nb, secret: str, assignment: str) -> dict[str, object]:
    """Turn a notebook (in place) into the class's variant; returns the class's parameters ({} without a variant cell)."""
    cells = [c for c in nb.cells if notebooks.grade_id(c) == PARAMETER_CELL]
    if not cells:
        return {}
    rules = cells[0].get("metadata", {}).get("mali_ssr", {}).get(METADATA_KEY, {})
    values = class_parameters(secret, assignment, cells[0])
    rewrite_parameter_cell(cells[0], values)
    options = {rule["options_cell"]: values[name] for name, rule in rules.items() if "options_cell" in rule}
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = rewrite_markdown(notebooks.source(cell), values)
            if notebooks.grade_id(cell) in options:
                cell.source = permute_options(cell.source, options[notebooks.grade_id(cell)])
    return values


class ApplyClassVariant(Preprocessor):
    """``generate_assignment`` step: the class's parameters in the locked cell, the markdown and the options."""

    enabled = True
    secret_file = Unicode(str(SECRET_FILE), help=_("the class secret, relative to the course folder")).tag(config=True)

    def preprocess(self, nb, resources):
        from nbgrader.coursedir import CourseDirectory

        secret = read_secret(Path(CourseDirectory(config=self.config).root), self.secret_file)
        if secret:
            assignment = resources.get("nbgrader", {}).get("assignment", "")
            values = apply_variant(nb, secret, assignment)
            if values:
                self.log.info("%s: the class's own variant (%s)", assignment, ", ".join(sorted(values)))
        return nb, resources
