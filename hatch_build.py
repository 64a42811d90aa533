"""Wheel build hook: compile every message catalogue (.po) into its .mo, so the wheel's French is the .po's.

hatch-babel 0.1.2 was the first choice, but it compiles only Babel's default domain
(``messages``, ours is ``mali_ssr``) and force-includes the ``.mo`` at its source path
(``src/mali_ssr/...``), which is wrong for a src layout; these few lines do the same
job with Babel itself. Editable installs skip the hook and use the committed ``.mo``
(see ``mali_ssr.i18n``); ``tests/test_i18n.py`` keeps the two in step.
"""

from pathlib import Path

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class CatalogueBuildHook(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict) -> None:
        if version == "editable":
            return
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        for po in sorted((Path(self.root) / "src" / "mali_ssr" / "locale").glob("*/LC_MESSAGES/*.po")):
            with po.open("rb") as source:
                catalog = read_po(source)
            with po.with_suffix(".mo").open("wb") as target:
                write_mo(target, catalog)
