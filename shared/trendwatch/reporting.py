"""Writing measured results into the project's markdown reports (``docs/*.md``)."""

from __future__ import annotations

from pathlib import Path


def replace_section(path: Path, section: str, *, title: str = "# Evaluation") -> None:
    """Write ``section`` (which starts with its ``## `` heading) into ``path``, replacing the
    section of the same heading if there is one and keeping every other section as it is."""
    heading = section.splitlines()[0]
    old = path.read_text("utf-8") if path.exists() else title + "\n"
    head, found, tail = old.partition(heading + "\n")
    rest = tail[tail.find("\n## ") + 1 :] if found and "\n## " in tail else ""
    text = head.rstrip("\n") + "\n\n" + section.rstrip("\n") + "\n" + ("\n" + rest if rest else "")
    path.write_text(text.rstrip("\n") + "\n", "utf-8")
