"""The one constructor of our pattern recognizers: a subclass is data (ENTITY, PATTERNS,
CONTEXT, TRIGGER) plus Presidio's validate_result / invalidate_result hooks."""

from __future__ import annotations

from typing import Any, ClassVar

import regex
from presidio_analyzer import Pattern, PatternRecognizer, RecognizerResult

from desensitize.entities import LANGUAGE
from desensitize.recognizers.normalise import normalise, span_back

# Python's \b sees no boundary between a digit and an ideograph ("电话13812345678" is one
# word to it), so matches are delimited by what may not touch them instead.
NOT_AFTER_ALNUM = r"(?<![0-9A-Za-z])"
NOT_BEFORE_ALNUM = r"(?![0-9A-Za-z])"
# Numbers additionally must not be the digits of a decimal (13812345678.50 is an amount).
NUM_START = NOT_AFTER_ALNUM + r"(?<!\d\.)"
NUM_END = NOT_BEFORE_ALNUM + r"(?!\.\d)"


class CnPatternRecognizer(PatternRecognizer):
    """A Presidio PatternRecognizer declared by class attributes.

    ENTITY: the entity name (desensitize.entities); PATTERNS: (name, regex, score)
    tuples; CONTEXT: words that raise the score when near a match; TRIGGER: a cheap
    regex (for the standard `re` module) that matches somewhere in every text holding a
    match, so the scanner can skip the recognizer on texts it does not match.
    """

    ENTITY: ClassVar[str]
    PATTERNS: ClassVar[tuple[tuple[str, str, float], ...]]
    CONTEXT: ClassVar[tuple[str, ...]] = ()
    TRIGGER: ClassVar[str]
    # Not Presidio's default IGNORECASE: letter case is part of these formats.
    FLAGS: ClassVar[int] = regex.DOTALL | regex.MULTILINE

    def __init__(self) -> None:
        super().__init__(
            supported_entity=self.ENTITY,
            name=type(self).__name__,
            supported_language=LANGUAGE,
            patterns=[Pattern(name, rx, score) for name, rx, score in self.PATTERNS],
            context=list(self.CONTEXT),
            global_regex_flags=self.FLAGS,
        )

    def analyze(self, text: str, entities: list[str], nlp_artifacts: Any = None,
                regex_flags: int | None = None) -> list[RecognizerResult]:
        """Presidio's matches in the text and in its normalised form (full-width forms
        folded, separators inside a grouped number dropped), the latter's spans mapped
        back onto the text as written."""
        results = super().analyze(text, entities, nlp_artifacts, regex_flags)
        normalised = normalise(text)
        if normalised is None:
            return results
        norm, index = normalised
        original = list(results)
        for r in super().analyze(norm, entities, nlp_artifacts, regex_flags):
            r.start, r.end = span_back(index, r.start, r.end)
            # A match in the text as written wins over one it overlaps there, unless
            # weaker (0557-1234567 is a landline, not the bare 05571234567).
            if not any(o.start < r.end and r.start < o.end and o.score >= r.score
                       for o in original):
                results.append(r)
        return results
