"""The training pipeline end to end at a tiny size: fine-tune a few steps, resume, export, parity check.
Part of the default ``make test`` run (about 16 s), so the pipeline cannot rot unseen.

Needs the ``train`` extra (torch, onnx; onnx2torch from training/requirements-nodeps.txt), which
``make test`` installs.
"""

from __future__ import annotations

import json
import lzma
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("onnx")

from alpr.ocr.models import create_session  # noqa: E402
from alpr.ocr.plate_recognizer import CLASSES, INPUT_HEIGHT, INPUT_WIDTH, PlateRecognizer  # noqa: E402
from training.export import ParityError, check_parity, export, load_checkpoint, to_onnx  # noqa: E402
from training.finetune import TrainingConfig, evaluate, selection_score, train  # noqa: E402
from training.model_card import write_model_card  # noqa: E402
from training.real_crops import DEFAULT_CROPS_DIR, is_validation, load_crops  # noqa: E402


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> Path:
    if not (DEFAULT_CROPS_DIR / "labels.csv").exists():
        pytest.skip("the real plate crops are not on this machine")
    out = tmp_path_factory.mktemp("run")
    config = TrainingConfig(out=out, steps=2, batch=4, val_every=2, warmup=1, max_val=6)
    history = train(config)
    assert [v["step"] for v in history["validation"]] == [0, 2]
    return out


def test_training_writes_checkpoints_and_history(run: Path) -> None:
    history = json.loads((run / "history.json").read_text())
    assert history["best"]["count"] == 6
    assert 0.0 <= history["best"]["degraded_exact"] <= 1.0
    assert 0.0 <= history["best"]["exact"] <= 1.0
    assert (run / "best.pt").exists() and (run / "last.pt").exists()


def test_training_resumes_where_it_stopped(run: Path, capsys) -> None:
    config = TrainingConfig(out=run, steps=3, batch=4, val_every=3, warmup=1, max_val=6)
    history = train(config, resume=True)
    assert "resumed at step 2" in capsys.readouterr().out
    assert [v["step"] for v in history["validation"]] == [0, 2, 3]


def test_export_agrees_with_pytorch_and_loads_in_the_reader(run: Path, tmp_path: Path) -> None:
    output = tmp_path / "plate_recognizer.onnx.xz"
    difference = export(run / "best.pt", output)
    assert difference <= 1e-4
    session = create_session(lzma.decompress(output.read_bytes()), threads=1)
    recognizer = PlateRecognizer(session)
    crops = [np.full((40, 90, 3), 200, np.uint8), np.zeros((20, 60, 3), np.uint8)]
    probabilities = recognizer.probabilities(crops)
    assert probabilities.shape == (2, INPUT_WIDTH // 8, CLASSES)
    assert np.allclose(probabilities.sum(axis=-1), 1.0, atol=1e-4)


def test_parity_check_fails_when_onnx_differs(run: Path) -> None:
    model = load_checkpoint(run / "best.pt")
    other = load_checkpoint(run / "best.pt")
    with torch.no_grad():
        for parameter in other.parameters():
            parameter.add_(0.05)
    with pytest.raises(ParityError):
        check_parity(model, to_onnx(other))
    # Explicit samples: plate-like inputs in the model's [-1, 1] range. (An all-zero input sat on a near tie of the
    # 2-step smoke model's softmax, where float summation order alone moved a probability by 1.01e-4.)
    samples = np.random.default_rng(7).uniform(-1, 1, (2, 3, INPUT_HEIGHT, INPUT_WIDTH)).astype(np.float32)
    assert check_parity(model, to_onnx(model), samples) <= 1e-4


def test_model_card_records_data_and_figures(run: Path, tmp_path: Path) -> None:
    card = tmp_path / "card.md"
    write_model_card(run, card, parity=1e-6, size_bytes=7_000_000)
    text = card.read_text()
    assert "AGPL-3.0" in text and "openalpr" in text
    assert "exact" in text and "steps" in text
    assert "python -m training.pipeline --steps 2 --val-every 2" in text


def test_validation_split_is_stable_and_disjoint() -> None:
    if not (DEFAULT_CROPS_DIR / "labels.csv").exists():
        pytest.skip("the real plate crops are not on this machine")
    train_crops, validation = load_crops()
    assert {c.path for c in train_crops}.isdisjoint({c.path for c in validation})
    assert all(is_validation(c.path.name) for c in validation)
    assert 0.1 < len(validation) / (len(train_crops) + len(validation)) < 0.2


def test_the_kept_checkpoint_is_the_best_clean_reader_and_ties_go_to_the_damaged_views() -> None:
    clean_better = {"exact": 0.98, "degraded_exact": 0.80}
    damaged_better = {"exact": 0.97, "degraded_exact": 0.90}
    tie_damaged_better = {"exact": 0.98, "degraded_exact": 0.85}
    assert selection_score(clean_better) > selection_score(damaged_better)
    assert selection_score(tie_damaged_better) > selection_score(clean_better)


def test_damaged_views_are_the_same_every_run(run: Path) -> None:
    _, validation = load_crops()
    model = load_checkpoint(run / "best.pt").model
    assert isinstance(model, torch.nn.Module)
    first, second = evaluate(model, validation[:4]), evaluate(model, validation[:4])
    assert first == second


def test_stop_after_ends_the_run_at_that_step_on_the_longer_schedule(tmp_path: Path) -> None:
    # make train's recipe (--steps 700 --stop-after 238): the learning rate follows the 700-step schedule, the
    # run ends at step 238 wherever the clock stands, and that step is validated and checkpointed.
    if not (DEFAULT_CROPS_DIR / "labels.csv").exists():
        pytest.skip("the real plate crops are not on this machine")
    config = TrainingConfig(out=tmp_path, steps=50, stop_after=2, batch=2, val_every=50, warmup=0, max_val=2)
    history = train(config)
    assert [v["step"] for v in history["validation"]] == [0, 2]
    assert history["config"]["steps"] == 50 and history["config"]["stop_after"] == 2
    last = torch.load(tmp_path / "last.pt", weights_only=False)
    assert last["step"] == 2
    # The second step's rate is 1/50 into the 50-step cosine (~0.999 of the peak); a 2-step schedule would be at 0.5.
    assert last["optimiser"]["param_groups"][0]["lr"] > 0.99 * config.lr
