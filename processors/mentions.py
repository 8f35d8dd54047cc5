"""From corrected mentions to published entities: linking, canonical form, key, salience.

Mentions of one entity are linked by how news copy names things again:

- the same words, in any case ("BAKU" in a dateline, "Baku" later);
- a person's surname or given name alone after the full name ("Gafarova" after
  "Sahiba Gafarova");
- a place with its administrative noun and without ("Kalbajar district", "Kalbajar");
- an organisation's trailing words ("Security Council" after "UN Security Council") or
  its first word alone ("Castlemere" after "Castlemere Bank"), when only one longer
  name fits.

Each entity keeps every mention; its text is the fullest form (without an
administrative noun, not in capitals when another form is not), its label the
mentions' majority, and its key ``kind:name`` (name folded to lower-case ASCII)
is the same in every article.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from .entities import ADMIN_NOUNS, Span

_KINDS = {"PERSON": "person", "ORG": "org", "GPE": "place", "LOC": "place", "FAC": "place",
          "NORP": "group"}
_PARAGRAPH = re.compile(r"\n\s*\n")
_LEAD_MIN = 80


@dataclass
class _Entity:
    label_votes: Counter[str] = field(default_factory=Counter)
    mentions: list[tuple[int, int, str]] = field(default_factory=list)
    forms: Counter[str] = field(default_factory=Counter)


def kind(label: str) -> str:
    return _KINDS.get(label, label.lower())


def normal_form(surface: str) -> str:
    return " ".join(surface.split()).casefold().replace("’", "'")


def entity_key(label: str, name: str) -> str:
    """``kind:name``: the same for the same entity in every article."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.casefold()).strip("-")
    return f"{kind(label)}:{slug or normal_form(name)}"


def _base_place(form: str) -> str:
    words = form.split()
    if len(words) > 1 and words[-1] in ADMIN_NOUNS:
        return " ".join(words[:-1])
    return form


def _contains_words(haystack: str, words: str) -> bool:
    """Does ``haystack`` contain ``words`` as whole words?"""
    at = haystack.find(words) if words else -1
    while at >= 0:
        end = at + len(words)
        if (at == 0 or not haystack[at - 1].isalnum()) and (
                end == len(haystack) or not haystack[end].isalnum()):
            return True
        at = haystack.find(words, at + 1)
    return False


def lead_end(text: str) -> int:
    """End of the lead: the first paragraph long enough to be prose (not a dateline)."""
    pos = 0
    for m in _PARAGRAPH.finditer(text):
        if len(text[pos:m.start()].strip()) >= _LEAD_MIN:
            return m.start()
        pos = m.end()
    return len(text)


def _link(groups: dict[tuple[str, str], _Entity]) -> dict[tuple[str, str], tuple[str, str]]:
    """Each group's target (the group it is another name of), by the module's rules."""
    target: dict[tuple[str, str], tuple[str, str]] = {}
    by_kind: dict[str, list[str]] = {}
    for k, form in groups:
        by_kind.setdefault(k, []).append(form)
    for (k, form) in groups:
        words = form.split()
        longer = [f for f in by_kind[k] if f != form and len(f.split()) > len(words)]
        if k == "place":
            base = _base_place(form)
            if base != form and (k, base) in groups:
                target[(k, form)] = (k, base)
                continue
        if k == "person" and len(words) == 1:
            full = [f for f in longer if words[0] in (f.split()[-1], f.split()[0])]
        elif k == "org":
            full = [f for f in longer if f.split()[-len(words):] == words
                    or (len(words) == 1 and f.split()[0] == words[0])]
        else:
            continue
        if len({_base_place(f) for f in full}) == 1:
            target[(k, form)] = (k, full[0])
    return target


def _root(key: tuple[str, str], target: dict[tuple[str, str], tuple[str, str]]) -> tuple[str, str]:
    seen = {key}
    while key in target and target[key] not in seen:
        key = target[key]
        seen.add(key)
    return key


def _canonical(forms: Counter[str], label: str) -> str:
    def rank(item: tuple[str, int]) -> tuple[int, int, int]:
        form, n = item
        base = kind(label) == "place" and _base_place(form.casefold()) != form.casefold()
        return (not base, len(form.split()), n * 2 + (not form.isupper()))

    best = max(forms.items(), key=rank)[0]
    if best.isupper():
        usual = [f for f in forms if f.casefold() == best.casefold() and not f.isupper()]
        if usual:
            return usual[0]
    return best


def entities(text: str, spans: Iterable[Span], title: str | None = None) -> list[dict[str, Any]]:
    """The published entities of ``spans`` (corrected mentions), most mentioned first."""
    groups: dict[tuple[str, str], _Entity] = {}
    for s in sorted(spans, key=lambda s: s.start):
        surface = text[s.start:s.end]
        g = groups.setdefault((kind(s.label), normal_form(surface)), _Entity())
        g.label_votes[s.label] += 1
        g.mentions.append((s.start, s.end, surface))
        g.forms[" ".join(surface.split())] += 1
    target = _link(groups)
    merged: dict[tuple[str, str], _Entity] = {}
    for key, g in groups.items():
        m = merged.setdefault(_root(key, target), _Entity())
        m.label_votes.update(g.label_votes)
        m.mentions.extend(g.mentions)
        m.forms.update(g.forms)
    total = sum(len(g.mentions) for g in merged.values()) or 1
    lead = lead_end(text)
    title_key = normal_form(title or "")
    out = []
    for g in merged.values():
        mentions = sorted(g.mentions)
        label = g.label_votes.most_common(1)[0][0]
        name = _canonical(g.forms, label)
        # The first mention in the canonical form: ``text[start:end] == name``.
        first = next((m for m in mentions if " ".join(m[2].split()) == name), mentions[0])
        in_title = any(_contains_words(title_key, normal_form(f)) for f in g.forms)
        out.append({
            "text": name, "label": label, "start": first[0], "end": first[1],
            "count": len(mentions),
            "mentions": [{"start": a, "end": b, "text": t} for a, b, t in mentions],
            "salience": {"in_title": in_title, "in_lead": mentions[0][0] < lead,
                         "frequency": round(len(mentions) / total, 4)},
            "key": entity_key(label, _base_place(name) if kind(label) == "place" else name),
        })
    return sorted(out, key=lambda e: (-e["count"], e["start"]))
