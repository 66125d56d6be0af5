"""Build hook: the gettext catalogs under advisor/locale are compiled (.po -> .mo) into the wheel,
so an installed `advise` reads them without compiling anything at start-up."""
from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class CompileCatalogs(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict) -> None:
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        out = self._out = Path(tempfile.mkdtemp(prefix="parcel-advisor-mo-"))
        for po in sorted(Path(self.root, "advisor", "locale").glob("*/LC_MESSAGES/*.po")):
            lang = po.parent.parent.name
            with po.open("rb") as f:
                catalog = read_po(f, locale=lang)
            mo = out / lang / f"{po.stem}.mo"
            mo.parent.mkdir(parents=True, exist_ok=True)
            with mo.open("wb") as f:
                write_mo(f, catalog)
            build_data["force_include"][str(mo)] = f"advisor/locale/{lang}/LC_MESSAGES/{po.stem}.mo"

    def finalize(self, version: str, build_data: dict, artifact_path: str) -> None:
        """The wheel holds the compiled catalogs now: the folder they were made in goes (every build
        left one behind in the temporary directory)."""
        shutil.rmtree(self._out, ignore_errors=True)
