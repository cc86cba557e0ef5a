"""partial_fit after a restore: deterministic, not the uninterrupted run (docs/saving.rst)."""

import copy
import pickle
from pathlib import Path

import numpy as np

from skvae import VAETransformer

SAVING_DOCS = Path(__file__).resolve().parents[2] / "docs" / "saving.rst"


def _max_weight_difference(a, b):
    return max(
        float(np.max(np.abs(x - y)))
        for x, y in zip(a._model.get_weights(), b._model.get_weights(), strict=True)
    )


def test_restored_partial_fit_is_deterministic_but_differs_from_the_uninterrupted_run():
    """Two restores continued with partial_fit agree bit for bit; the original continued
    the same way (pickled before, which must not change it) differs, as Adam restarts."""
    rows = np.random.default_rng(0).normal(size=(240, 4))
    first, second = rows[:120], rows[120:]
    vae = VAETransformer(hidden_layer_sizes=(8,), max_iter=3, random_state=0).fit(first)
    data = pickle.dumps(vae)
    restored = [pickle.loads(data).partial_fit(second) for _ in range(2)]
    restored.append(copy.deepcopy(vae).partial_fit(second))
    vae.partial_fit(second)
    assert _max_weight_difference(restored[0], restored[1]) == 0.0
    assert _max_weight_difference(restored[0], restored[2]) == 0.0
    assert _max_weight_difference(restored[0], vae) > 0.0


def test_saving_docs_say_partial_fit_after_a_restore_differs():
    """docs/saving.rst has the section on continuing after a restore, naming both causes
    (Adam's state, the codes redrawn from the mixture) and that it stays deterministic."""
    text = SAVING_DOCS.read_text(encoding="utf-8")
    assert "Continuing training after a restore\n---" in text
    section = " ".join(text.split("Continuing training after a restore", 1)[1].split())
    for phrase in (
        "``partial_fit`` on it does not continue exactly",
        "Adam's state is not stored",
        "codes drawn from that mixture",
        "Both are deterministic",
    ):
        assert phrase in section, phrase
