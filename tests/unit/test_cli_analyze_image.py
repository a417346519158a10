"""``trendwatch analyze-image``: the DESIGN §6 JSON line per image, with and without OCR."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image, ImageDraw, ImageFont

from trendwatch.adapters.local.ocr import tesseract_version
from trendwatch.cli import main

CONTRACT_FIELDS = {"path", "ocr_text", "labels", "colours", "phash", "width", "height"}


@pytest.fixture(scope="module")
def label_photo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    font = ImageFont.truetype("DejaVuSans.ttf", 32)
    image = Image.new("RGB", (460, 80), (235, 225, 200))
    ImageDraw.Draw(image).text((20, 20), "Summer sale linen dress", fill=(30, 30, 30), font=font)
    path = tmp_path_factory.mktemp("images") / "label.png"
    image.save(path)
    return path


def analyze(*args: str) -> dict[str, object]:
    result = CliRunner().invoke(main, ["analyze-image", *args, "--json"])
    assert result.exit_code == 0, result.output
    [line] = result.stdout.splitlines()
    record: dict[str, object] = json.loads(line)
    return record


def test_json_line_with_ocr_has_the_contract_fields_and_the_words(label_photo: Path) -> None:
    record = analyze(str(label_photo), "--ocr")
    assert record.keys() >= CONTRACT_FIELDS
    assert record["path"] == str(label_photo)
    assert (record["width"], record["height"]) == (460, 80)
    assert re.fullmatch(r"[0-9a-f]{16}", str(record["phash"]))
    assert record["ocr_text"] == "Summer sale linen dress"
    assert record["labels"] == []  # no offline label model: labels come from Cloud Vision
    colours = record["colours"]
    assert isinstance(colours, list) and {"name", "hex", "fraction"} <= colours[0].keys()


def test_no_ocr_leaves_the_text_empty_and_names_no_ocr_model(label_photo: Path) -> None:
    record = analyze(str(label_photo), "--no-ocr")
    assert record.keys() >= CONTRACT_FIELDS
    assert record["ocr_text"] == ""
    assert "ocr" not in record["model_versions"]  # type: ignore[operator]


@pytest.fixture
def no_tesseract(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("PATH", "")
    tesseract_version.cache_clear()
    yield
    tesseract_version.cache_clear()


@pytest.mark.usefixtures("no_tesseract")
def test_ocr_asked_for_without_tesseract_is_a_clear_error(label_photo: Path) -> None:
    result = CliRunner().invoke(main, ["analyze-image", str(label_photo), "--ocr", "--json"])
    assert result.exit_code == 1
    assert "--ocr needs Tesseract" in result.stderr and result.stdout == ""
