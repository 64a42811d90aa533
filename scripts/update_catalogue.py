"""Re-extract the message template and bring every catalogue up to date (maintainers).

    python scripts/update_catalogue.py          # extract, update fr, compile, list what is left to translate
    python scripts/update_catalogue.py --check  # only say whether the template is in step with the code

It runs Babel's own commands (``pybabel extract``, ``update``, ``compile``) with
the project's settings, so that nobody has to remember them:

* the keywords are ``_``, ``ngettext`` (singular and plural) and ``N_`` (marked where
  defined, translated where shown);
* no source locations in the files (they would change on every edit of any line and
  make every merge conflict), entries sorted by message;
* the compiled ``.mo`` is committed next to its ``.po`` so that an editable install
  (``pip install -e .``, how the README installs) finds it; the wheel build compiles
  it again from the ``.po`` (hatch-babel), and a test checks the two agree.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
LOCALE = ROOT / "src" / "mali_ssr" / "locale"
DOMAIN = "mali_ssr"
TEMPLATE = LOCALE / f"{DOMAIN}.pot"
LANGUAGES = ("fr",)
KEYWORDS = ["-k", "_", "-k", "ngettext:1,2", "-k", "N_"]


def pybabel(*args: str) -> None:
    CommandLineInterface().run(["pybabel", "-q", *args])


def extract(output: Path) -> None:
    pybabel("extract", "-F", str(ROOT / "babel.cfg"), "--no-default-keywords", *KEYWORDS, "--no-location",
            "--sort-output", "--project", "mali-ssr-course", "--copyright-holder", "The Mali SSR course contributors",
            "-o", str(output), str(ROOT))


def left_to_translate(lang: str) -> list[str]:
    with open(LOCALE / lang / "LC_MESSAGES" / f"{DOMAIN}.po", "rb") as f:
        catalog = read_po(f)
    out = []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(strings):
            out.append(message.id if isinstance(message.id, str) else message.id[0])
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only compare the template with the code")
    args = parser.parse_args()
    if args.check:
        import tempfile

        with tempfile.TemporaryDirectory() as tmp:
            fresh = Path(tmp) / "fresh.pot"
            extract(fresh)
            with open(fresh, "rb") as a, open(TEMPLATE, "rb") as b:
                new, old = {m.id for m in read_po(a)}, {m.id for m in read_po(b)}
        if new != old:
            print(f"the template is out of date: {len(new - old)} new, {len(old - new)} gone; "
                  "run python scripts/update_catalogue.py")
            return 1
        print("the template is in step with the code")
        return 0
    extract(TEMPLATE)
    for lang in LANGUAGES:
        po = LOCALE / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
        if po.exists():
            pybabel("update", "-i", str(TEMPLATE), "-d", str(LOCALE), "-D", DOMAIN, "-l", lang,
                    "--ignore-obsolete")
        else:
            pybabel("init", "-i", str(TEMPLATE), "-d", str(LOCALE), "-D", DOMAIN, "-l", lang)
        pybabel("compile", "-d", str(LOCALE), "-D", DOMAIN, "-l", lang, "--statistics")
        missing = left_to_translate(lang)
        print(f"{lang}: {len(missing)} entr{'y' if len(missing) == 1 else 'ies'} to translate or check")
        for msgid in missing:
            print(f"  {msgid}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
