"""Commands that enrich ad-hoc input without the pipeline: analyze-text, analyze-image."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
import msgspec

from trendwatch.cli.common import JSON_OPTION, out, print_json
from trendwatch.settings import Settings


@click.command("analyze-text")
@JSON_OPTION
@click.option("--profile", type=click.Choice(["fast", "accurate"]), default=None, help="Default: settings.")
def analyze_text(as_json: bool, profile: str | None) -> None:
    """Enrich texts: stdin JSONL {"id","text"[,"lang"]} -> one JSON line per input on stdout."""
    from trendwatch.adapters.local.text_analyzer import LocalTextAnalyzer
    from trendwatch.ports import TextItem

    settings = Settings.from_env(text_profile=profile)
    analyzer = LocalTextAnalyzer(settings.text_profile)
    for number, line in enumerate(sys.stdin, start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            text_item = TextItem(str(item["id"]), str(item["text"]), item.get("lang"))
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise click.ClickException(f'line {number}: expected {{"id", "text"}} JSON ({exc})') from None
        result = analyzer.analyze([text_item])[0]
        if as_json:
            print_json({"id": text_item.id, **msgspec.to_builtins(result)})
        else:
            out.print(
                f"{text_item.id}: {result.lang} {result.sentiment.label} ({result.sentiment.score:+.2f}) "
                f"keyphrases={list(result.keyphrases)} categories={list(result.categories)}"
            )


@click.command("analyze-image")
@click.argument(
    "paths", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option(
    "--ocr/--no-ocr",
    default=None,
    help="Read the text in each image (Tesseract, English and French; a few hundred ms per image). "
    "Default: settings (TRENDWATCH_IMAGE_OCR, on).",
)
@JSON_OPTION
def analyze_image(paths: tuple[Path, ...], ocr: bool | None, as_json: bool) -> None:
    """Analyse image files: size, perceptual hash, dominant colours, OCR text.

    --json prints one line per image: path, width, height, phash (16 hex digits), colours,
    ocr_text, labels (empty offline), logos, format and model_versions. Refused files are
    reported on stderr with the reason, and the exit code is then 1.
    """
    from trendwatch.adapters.local.image_analyzer import LocalImageAnalyzer
    from trendwatch.ports import InvalidImage

    analyzer = LocalImageAnalyzer(ocr=Settings.from_env(image_ocr=ocr).image_ocr)
    if ocr and not analyzer.reads_text:
        raise click.ClickException(
            "--ocr needs Tesseract with English and French data "
            "(Debian packages tesseract-ocr tesseract-ocr-eng tesseract-ocr-fra)"
        )
    failed = False
    for path in paths:
        try:
            result = analyzer.analyze(path.read_bytes())
        except InvalidImage as exc:
            failed = True
            click.echo(f"{path}: {exc}", err=True)
            continue
        if as_json:
            print_json({"path": str(path), **msgspec.to_builtins(result)})
        else:
            colours = ", ".join(f"{c.name} {c.fraction:.0%}" for c in result.colours)
            text = f" text={result.ocr_text!r}" if result.ocr_text else ""
            click.echo(
                f"{path}: {result.width}x{result.height} {result.format} phash={result.phash} "
                f"[{colours}]{text}"
            )
    if failed:
        sys.exit(1)


COMMANDS = [analyze_text, analyze_image]
