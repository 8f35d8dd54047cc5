"""``newsflow eval extraction`` and ``newsflow eval pubdate`` on folders of the tests' own."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from newsflow.evaluation.extraction import match, page_precision_recall, scores

from support.pages import PARAGRAPHS, article_page, write_extraction_folder, write_pubdate_folder

SHARED_GOLD = Path(__file__).resolve().parents[1] / ".." / "shared" / "gold"


def run_cli(*args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "newsflow.cli", *args], capture_output=True,
                          timeout=120)


def test_shingle_scoring_counts_repeats_and_normalises_per_page() -> None:
    truth = "one two three four five"
    assert match(truth, truth) == (1.0, 0.0, 0.0)
    tp, fp, fn = match(truth, "one two three four five six seven")
    assert (tp, fp, fn) == pytest.approx((2 / 4, 2 / 4, 0.0))
    assert page_precision_recall(tp, fp, fn) == pytest.approx((0.5, 1.0))
    assert page_precision_recall(*match(truth, "")) == (0.0, 0.0)
    assert page_precision_recall(*match("", "")) == (1.0, 1.0)
    # a repeated shingle counts twice in the multiset
    assert match("a b c d a b c d", "a b c d")[2] > 0
    assert scores([(1.0, 0.5), (0.5, 0.5)]) == {"precision": 0.75, "recall": 0.5, "f1": 0.6}


def test_eval_extraction_on_a_small_folder(tmp_path: Path) -> None:
    gold = "\n".join(PARAGRAPHS)
    folder = write_extraction_folder(tmp_path / "gold", {
        "a1": ("https://example.org/news/a1", article_page(), gold),
        "b2": ("https://example.org/news/b2", article_page(title="Second story"), gold),
    })
    predictions = tmp_path / "pred.json"
    proc = run_cli("eval", "extraction", str(folder), "--predictions", str(predictions),
                   "--verbose")
    assert proc.returncode == 0, proc.stderr.decode()[-2000:]
    lines = proc.stdout.decode().splitlines()
    summary = orjson.loads(lines[-1])
    assert set(summary) == {"set", "n", "precision", "recall", "f1", "baseline", "pages_per_s",
                            "baseline_pages_per_s"}
    assert summary["set"] == "extraction" and summary["n"] == 2
    assert summary["recall"] > 0.9 and summary["baseline"]["recall"] > 0.9
    assert summary["pages_per_s"] > 0 and summary["baseline_pages_per_s"] > 0
    assert [line.split("\t")[0] for line in lines[:-1]] == ["a1", "b2"], "per-page scores"
    written = orjson.loads(predictions.read_bytes())
    assert set(written) == {"a1", "b2"}
    assert PARAGRAPHS[1] in written["a1"]["articleBody"]
    assert b"eval extraction" in proc.stderr, "progress on stderr"


def test_eval_pubdate_on_a_small_folder(tmp_path: Path) -> None:
    meta = '<meta property="article:published_time" content="2024-03-05T09:30:00+01:00">'
    folder = write_pubdate_folder(tmp_path / "gold", {
        "https://example.org/a": ("a.html", article_page(head=meta), "2024-03-05"),
        "https://example.org/b": ("b.html", article_page(), "2023-01-01"),
    })
    predictions = tmp_path / "pred.json"
    proc = run_cli("eval", "pubdate", str(folder), "--predictions", str(predictions))
    assert proc.returncode == 0, proc.stderr.decode()[-2000:]
    summary = orjson.loads(proc.stdout.decode().splitlines()[-1])
    assert summary == {"set": "pubdate", "n": 2, "accuracy": 0.5, "baseline": {"accuracy": 0.5}}
    assert orjson.loads(predictions.read_bytes()) == {"https://example.org/a": "2024-03-05",
                                                      "https://example.org/b": None}


def test_eval_of_a_missing_folder_is_one_line() -> None:
    proc = run_cli("eval", "extraction", "/nonexistent/gold")
    assert proc.returncode == 2
    assert proc.stderr.decode().strip().count("\n") == 0
    assert "no such file" in proc.stderr.decode()


@pytest.mark.skipif(not (SHARED_GOLD / "extraction").is_dir(), reason="../shared/gold absent")
@pytest.mark.slow
def test_baselines_reproduce_the_reference_figures() -> None:
    proc = run_cli("eval", "extraction", str(SHARED_GOLD / "extraction"))
    summary = orjson.loads(proc.stdout.decode().splitlines()[-1])
    assert summary["n"] == 54
    assert summary["baseline"] == pytest.approx(
        {"precision": 0.920, "recall": 0.990, "f1": 0.954}, abs=0.005)
    proc = run_cli("eval", "pubdate", str(SHARED_GOLD / "pubdate"))
    summary = orjson.loads(proc.stdout.decode().splitlines()[-1])
    assert summary["n"] == 150
    assert summary["baseline"]["accuracy"] == pytest.approx(0.873, abs=0.005)


def test_eval_of_a_broken_folder_is_one_line(tmp_path: Path) -> None:
    folder = write_extraction_folder(tmp_path / "gold", {
        "a1": ("https://example.org/news/a1", article_page(), "text")})
    (folder / "html" / "a1.html.gz").write_bytes(b"not gzip at all")
    proc = run_cli("eval", "extraction", str(folder))
    assert proc.returncode == 2
    assert proc.stderr.decode().strip().count("\n") == 0, proc.stderr.decode()
    (folder / "ground-truth.json").write_text("{broken")
    proc = run_cli("eval", "extraction", str(folder))
    assert proc.returncode == 2 and proc.stderr.decode().strip().count("\n") == 0
