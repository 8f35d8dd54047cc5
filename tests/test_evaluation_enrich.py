"""``newsflow eval entities|dates|seed``: reading, scoring, and the command on small fixtures."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from newsflow.evaluation import dates, entities, seed

FIXTURES = Path(__file__).parent / "fixtures"
CONLL = FIXTURES / "eval" / "tiny.conll"
TIMEML = FIXTURES / "eval" / "timeml"


def run_eval(*args: str) -> tuple[dict, str]:
    proc = subprocess.run([sys.executable, "-m", "newsflow.cli", "eval", *args],
                          capture_output=True, timeout=240, cwd="/")
    assert proc.returncode == 0, proc.stderr.decode()[-2000:]
    return json.loads(proc.stdout.decode().splitlines()[-1]), proc.stderr.decode()


def test_conll_documents_sentences_and_iob1_mentions() -> None:
    docs = entities.read_conll(CONLL)
    assert [len(d) for d in docs] == [3, 1]
    assert docs[0][0].gold == [(2, 4, "ORG")]
    assert docs[0][1].gold == [(0, 2, "PER"), (3, 5, "ORG"), (7, 8, "LOC")]
    # IOB1: B- separates two adjacent mentions of the same type.
    assert docs[1][0].gold == [(0, 1, "LOC"), (1, 2, "LOC"), (3, 5, "ORG")]


def test_character_mentions_map_to_the_tokens_they_cover() -> None:
    [doc, _] = entities.read_conll(CONLL)
    text, offsets = entities.document_text(doc)
    assert text.splitlines()[1].startswith("Maria Okafor of Halvard Club")
    start = text.index("Halvard Club")
    lisbon = text.index("Lisbon")
    got = entities.to_tokens([(start, start + len("Halvard Club"), "ORG"),
                              (lisbon, lisbon + 6, "GPE"), (0, 6, "DATE")], offsets)
    assert got == [[], [(3, 5, "ORG"), (7, 8, "LOC")], []]


def test_entity_scores_are_exact_span_exact_type() -> None:
    gold = [[(0, 2, "PER"), (3, 5, "ORG")], [(0, 1, "LOC")]]
    pred = [[(0, 2, "PER"), (3, 4, "ORG")], [(0, 1, "ORG")]]
    s = entities.score(gold, pred)
    assert s["f1"] == round(2 * 1 / 6, 4)
    assert s["per_type"]["PER"] == 1.0 and s["per_type"]["LOC"] == 0.0


def test_timeml_text_offsets_and_creation_time() -> None:
    doc = dates.read_timeml(TIMEML / "one.tml")
    assert doc.dct == "2001-03-14"
    assert [doc.text[t.start:t.end] for t in doc.gold] == ["yesterday", "three days", "April"]
    assert "&amp;" not in doc.text and " & " in doc.text


def test_tempeval_scores_strict_relaxed_value_type() -> None:
    T = dates.Timex
    gold = [T(0, 9, "DATE", "2001-03-13"), T(20, 30, "DURATION", "P3D"), T(40, 45, "DATE", "X")]
    pred = [T(0, 9, "DATE", "2001-03-13"), T(16, 30, "DATE", "P3D"), T(50, 55, "DATE", "Y")]
    s = dates.score([(gold, pred)])
    assert s["strict_f1"] == round(2 * 1 / 6, 4)
    assert s["relaxed_f1"] == round(2 * 2 / 6, 4)
    assert s["value_f1"] == round(2 * 2 / 6, 4)
    assert s["type_acc"] == 0.5


def test_seed_matching_uses_aliases_and_matches_each_timex_once() -> None:
    gold = {"entities": [{"text": "Sahiba Gafarova", "label": "PERSON", "aliases": ["Gafarova"]}],
            "timexes": [{"text": "Nov.25", "value": "2020-11-25"},
                        {"text": "Nov.25", "value": "2020-11-25"},
                        {"text": "00:00 hours", "value": "2020-11-10T00:00"}]}
    result = {"entities": [{"text": "gafarova", "label": "PERSON"}],
              "dates": [{"text": "Nov.25", "value": "2020-11-25"},
                        {"text": "00:00 hours", "value": "2020-11-10T00:00+03:00"}]}
    missed, wrong = seed.match(gold, result)
    assert missed == []
    assert len(wrong) == 1 and "Nov.25" in wrong[0]


def test_eval_entities_command_scores_newsflow_and_the_baseline(tmp_path: Path) -> None:
    out = tmp_path / "pred.json"
    summary, stderr = run_eval("entities", str(CONLL), "--predictions", str(out))
    assert summary["set"] == "entities" and summary["n"] == 4
    assert set(summary["per_type"]) == {"PER", "ORG", "LOC", "MISC"}
    assert 0 <= summary["baseline"]["f1"] <= 1 and 0 <= summary["f1"] <= 1
    predictions = json.loads(out.read_text())
    assert len(predictions) == 4 and all(isinstance(p, list) for p in predictions)
    assert "eval entities" in stderr, "progress on stderr"


def test_eval_dates_command(tmp_path: Path) -> None:
    out = tmp_path / "pred.json"
    summary, _ = run_eval("dates", str(TIMEML), "--predictions", str(out))
    assert summary["set"] == "dates" and summary["n"] == 1
    assert {"strict_f1", "relaxed_f1", "value_f1", "type_acc", "baseline"} <= set(summary)
    predictions = json.loads(out.read_text())
    found = {(p["type"], p["value"]) for p in predictions["one.tml"]}
    assert ("DATE", "2001-03-13") in found and ("DURATION", "P3D") in found


def test_eval_seed_command() -> None:
    summary, _ = run_eval("seed", str(FIXTURES / "seed"))
    assert summary["set"] == "seed"
    assert (summary["entities_found"], summary["entities_total"]) == (19, 19)
    assert (summary["timex_correct"], summary["timex_total"]) == (10, 10)


def test_eval_on_a_file_of_the_wrong_kind_is_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "x.tml"
    bad.write_text("not xml <")
    proc = subprocess.run([sys.executable, "-m", "newsflow.cli", "eval", "dates", str(bad)],
                          capture_output=True, timeout=60, cwd="/")
    assert proc.returncode != 0
    assert b"Traceback" not in proc.stderr and b"not a TimeML file" in proc.stderr


@pytest.mark.slow
def test_the_seed_record_of_the_demo_has_every_gold_entity_and_timex() -> None:
    proc = subprocess.run([sys.executable, "-m", "newsflow.cli", "demo", "--json", "--limit",
                           "10"], capture_output=True, timeout=240, cwd="/")
    assert proc.returncode == 0, proc.stderr.decode()[-2000:]
    records = [json.loads(line) for line in proc.stdout.decode().splitlines()]
    [record] = [r for r in records if "kalbajar" in r["url"]]
    gold = json.loads((FIXTURES / "seed" / "trend-kalbajar.gold.json").read_text())
    assert seed.match(gold, record) == ([], [])
