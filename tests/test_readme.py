"""The README serves a buyer first and its details live in docs/: the first screen has the page's
picture and the quick start, and every link in the README and docs/ opens a file that is there."""
import re

from conftest import ROOT

LINK = re.compile(r"\]\(([^)\s]+)\)")


def _anchor(heading: str) -> str:
    """A heading's anchor as GitHub makes it."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def test_the_first_screen_shows_the_page_and_the_two_commands():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    first = readme.split("\n## Three ways in", 1)[0]
    assert "](docs/page.png)" in first and "## Quick start" in first
    assert first.count("```sh") == 2
    assert len(readme.splitlines()) <= 200


def test_every_link_in_the_readme_and_docs_opens_a_file_that_is_there():
    broken = []
    for doc in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for target in LINK.findall(doc.read_text(encoding="utf-8")):
            if target.startswith(("http://", "https://")):
                continue
            path, _, anchor = target.partition("#")
            file = (doc.parent / path).resolve() if path else doc
            if not file.exists():
                broken.append(f"{doc.name}: {target}")
            elif anchor and file.suffix == ".md":
                headings = re.findall(r"^#+ (.+)$", file.read_text(encoding="utf-8"), re.M)
                if anchor not in {_anchor(h) for h in headings}:
                    broken.append(f"{doc.name}: {target} (no such heading)")
    assert broken == []
