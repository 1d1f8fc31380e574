"""The offline NLP engine for Presidio: spaCy's blank Chinese pipeline segmented by
jieba (nothing downloaded), with lemmas set so context words can raise scores."""

from __future__ import annotations

from functools import lru_cache

import spacy
from presidio_analyzer.nlp_engine import SpacyNlpEngine
from spacy.language import Language
from spacy.tokens import Doc

from desensitize.entities import LANGUAGE

_LEMMA_COMPONENT = "shuyuan_lemma"


@Language.component(_LEMMA_COMPONENT)
def _set_lemmas(doc: Doc) -> Doc:
    # Presidio's LemmaContextAwareEnhancer compares context words with token lemmas;
    # the blank pipeline has no lemmatizer, so the lowercase text stands in.
    for token in doc:
        token.lemma_ = token.lower_
    return doc


def make_nlp(lang: str = LANGUAGE) -> Language:
    """spaCy's blank Chinese pipeline, segmented by jieba, with lemmas set."""
    nlp = spacy.blank(lang, config={"nlp": {"tokenizer": {"segmenter": "jieba"}}})
    nlp.add_pipe(_LEMMA_COMPONENT)
    return nlp


@lru_cache(maxsize=1)
def make_nlp_engine() -> SpacyNlpEngine:
    """A Presidio NLP engine that loads no model (one per process)."""
    engine = SpacyNlpEngine(models=[{"lang_code": LANGUAGE, "model_name": "blank"}])
    engine.nlp = {LANGUAGE: make_nlp(LANGUAGE)}
    return engine
