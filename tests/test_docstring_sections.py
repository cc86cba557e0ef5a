"""The public estimators' docstrings have each numpydoc section once, each after a blank
line, so that the API reference renders parameters, attributes and "See Also" apart."""

import re

import pytest

from skvae import VAEImputer, VAEOutlierDetector, VAETransformer, VQVAETransformer

SECTION = re.compile(r"^ *(\S[^\n]*)\n *-{3,} *$", re.M)


@pytest.mark.parametrize(
    "estimator", [VAETransformer, VAEOutlierDetector, VAEImputer, VQVAETransformer]
)
def test_each_section_appears_once_after_a_blank_line(estimator):
    """Parameters, Attributes, See Also and Examples, in that order and once each, with a
    blank line before each header (the shared blocks once brought their own headers, and
    numpydoc read the transformer's attributes as parameters)."""
    doc = estimator.__doc__
    assert SECTION.findall(doc) == ["Parameters", "Attributes", "See Also", "Examples"]
    for match in SECTION.finditer(doc):
        before = doc[: match.start()]
        assert before.endswith("\n\n") or before.rstrip(" ").endswith("\n\n"), match.group(1)
    attributes = doc.split("Attributes\n")[1].split("See Also")[0]
    assert "encoder_ :" in attributes or "codebook_ :" in attributes
