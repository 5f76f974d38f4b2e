from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest
from synthetic import plate_scene, write_jpeg

from alpr.bench.ocr import SUMMARY_KEYS
from alpr.cli import build_parser


def parse(argv: list[str]) -> argparse.Namespace:
    return build_parser().parse_args(argv)


@pytest.fixture(autouse=True)
def one_thread(monkeypatch) -> None:
    monkeypatch.setenv("ALPR_OCR_THREADS", "1")


def test_read_json_carries_on_after_bad_files(tmp_path: Path, capsys) -> None:
    good = write_jpeg(tmp_path / "plate.jpg", plate_scene("7ABC123")[0])
    not_image = tmp_path / "notes.jpg"
    not_image.write_text("not really a jpeg")
    missing = tmp_path / "missing.jpg"
    args = parse(["read", "--json", str(not_image), str(good), str(missing)])
    assert args.func(args) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["image"] for line in lines] == [str(not_image), str(good), str(missing)]
    assert "not an image" in lines[0]["error"]
    assert "error" in lines[2]
    assert lines[1]["plates"][0]["text"] == "7ABC123"
    assert set(lines[1]["plates"][0]) == {"text", "confidence", "box", "format", "state"}
    assert lines[1]["plates"][0]["format"] == "US"
    assert len(lines[1]["plates"][0]["box"]) == 4
    assert lines[1]["ms"] > 0


def test_read_table(tmp_path: Path, capsys) -> None:
    good = write_jpeg(tmp_path / "plate.jpg", plate_scene("ABC1234")[0])
    args = parse(["read", str(good)])
    assert args.func(args) == 0
    output = capsys.readouterr().out
    assert "ABC1234" in output and "PLATE" in output


def test_bench_ocr_json(tmp_path: Path, capsys) -> None:
    for name, text in [("one", "7ABC123"), ("two", "ABC1234")]:
        scene, (x, y, w, h) = plate_scene(text)
        write_jpeg(tmp_path / f"{name}.jpg", scene)
        (tmp_path / f"{name}.txt").write_text(f"{name}.jpg\t{x}\t{y}\t{w}\t{h}\t{text}\n")
    args = parse(["bench", "ocr", str(tmp_path), "--json"])
    assert args.func(args) == 0
    summary = json.loads(capsys.readouterr().out)
    assert tuple(summary) == SUMMARY_KEYS
    assert summary["images"] == 2
    for key in ("exact", "within1", "detected"):
        assert 0.0 <= summary[key] <= 1.0
    assert summary["exact"] == 1.0
    assert 0 < summary["median_ms"] <= summary["p95_ms"]
    assert 0 < summary["cold_start_s"] < 60
    assert summary["peak_rss_mb"] > 10
    assert summary["confident_exact"] is None or 0.0 <= summary["confident_exact"] <= 1.0
    assert set(summary["stage_ms"]) >= {"decode", "detector", "recognizer", "text_boxes", "voting"}
    assert summary["stage_ms"]["decode"] > 0


def test_bench_ocr_sets_runs_every_folder(tmp_path: Path, capsys) -> None:
    folders = []
    for name, text in [("us", "7ABC123"), ("other", "ABC1234")]:
        folder = tmp_path / name
        folder.mkdir()
        scene, (x, y, w, h) = plate_scene(text)
        write_jpeg(folder / "one.jpg", scene)
        (folder / "one.txt").write_text(f"one.jpg\t{x}\t{y}\t{w}\t{h}\t{text}\n")
        folders.append(str(folder))
    args = parse(["bench", "ocr", folders[0], "--sets", folders[1], "--json"])
    assert args.func(args) == 0
    summary = json.loads(capsys.readouterr().out)
    assert set(summary["sets"]) == {"us", "other"}
    assert summary["sets"]["other"]["images"] == 1


def test_bench_rejects_folder_without_labels(tmp_path: Path, capsys) -> None:
    args = parse(["bench", "ocr", str(tmp_path)])
    assert args.func(args) == 2
    assert "no NAME.txt" in capsys.readouterr().err
