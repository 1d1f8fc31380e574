"""Which recognizers run, said once and explicitly (no walking of subclasses), and the
Presidio AnalyzerEngine built on them with the offline Chinese NLP engine."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from presidio_analyzer import AnalyzerEngine, EntityRecognizer, RecognizerRegistry

from desensitize.entities import ALL, LANGUAGE


def recognizers(entities: Iterable[str] = ALL) -> list[EntityRecognizer]:
    """One instance of every recognizer that finds one of `entities`."""
    from desensitize.recognizers.location import LocationRecognizer
    from desensitize.recognizers.person import PersonRecognizer
    from desensitize.recognizers.structured import structured_recognizers

    wanted = set(entities)
    found: list[EntityRecognizer] = [*structured_recognizers(), PersonRecognizer(),
                                     LocationRecognizer()]
    return [r for r in found if wanted & set(r.supported_entities)]


def registry(entities: Iterable[str] = ALL) -> RecognizerRegistry:
    reg = RecognizerRegistry(supported_languages=[LANGUAGE])
    for recognizer in recognizers(entities):
        reg.add_recognizer(recognizer)
    return reg


@lru_cache(maxsize=4)
def analyzer_engine(entities: tuple[str, ...] = ALL) -> AnalyzerEngine:
    """Presidio's engine with our recognizers and an NLP engine that loads nothing from
    the network (spaCy's blank Chinese pipeline segmented by jieba), so context words
    around a match raise its score."""
    from desensitize.nlp import make_nlp_engine

    return AnalyzerEngine(nlp_engine=make_nlp_engine(), registry=registry(entities),
                          supported_languages=[LANGUAGE])

