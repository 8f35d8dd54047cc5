"""Rule-based temporal tagger for English news text.

Finds date, time, duration and set expressions and normalises them to TIMEX3 / ISO 8601
values relative to the article's publication date (:func:`find_dates`), optionally merging
candidate spans from an NER model; :func:`normalise` resolves one expression on its own.
A failure of the tagger is logged and counted, never silent.

The modules follow the tagger's steps: words and pattern pieces (``vocabulary``,
``patterns``), reading around a match (``text``) and calendar arithmetic (``values``), the
handlers by family (``absolute``, ``fiscal``, ``holidays``, ``spoken``, ``relative``,
``days``, ``durations``, ``clock``, ``narrative``), the rule table (``rules``) and where each
rule can match (``prefilters``), scanning and choosing spans (``selection``), values from the
sentence, the report and the story (``anchoring``, ``periods``, ``narrative``) and the entry
points (``tagger``).
"""

from newsflow.schemas import DateMention

from .tagger import find_dates, find_dates_or_raise, normalise

__all__ = ["DateMention", "find_dates", "find_dates_or_raise", "normalise"]
