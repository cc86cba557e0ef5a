"""Pictures of a fitted VAE: training curves, latent space, decodings, samples, scores.

Every function takes a fitted :class:`~skvae.VAETransformer`, :class:`~skvae.VAEOutlierDetector`
or :class:`~skvae.VAEImputer` (and usually some rows ``X``) and draws on a new figure, or
on the matplotlib Axes passed as ``ax=``. Single-panel plots return their Axes; plots made
of several panels (:func:`marginals`, :func:`correlations`) return the Figure.
:func:`report` puts all of them, with the model's key numbers, in one self-contained HTML
page (the ``skvae report`` command).

matplotlib is an optional dependency (``pip install -e ".[plot]"`` from a checkout); it is
imported when a function is first called, not with ``import skvae.plot``. Where no display
is available (no ``DISPLAY`` on Linux, and no ``MPLBACKEND`` chosen) the non-interactive
Agg backend is selected, so the functions work in scripts, CI jobs and servers.

The plots read a fitted estimator through these public members only, so any estimator
that offers them can be drawn (each plot needs the ones it uses):

- methods: ``encode(X)`` (posterior locations), ``decode(Z, conditions)`` (decoder means
  as rows of the training table), ``to_numeric(X)`` (rows as floats: numbers, booleans
  as 0/1, a category as its index in ``categories_``, NaN missing),
  ``sample(n_samples, random_state, conditions)`` (and its ``marginals="model"``
  where it takes one), ``score_samples(X)`` and ``elbo_terms(X)``; conditions are
  passed in X's values (categories as themselves);
- fitted attributes: ``n_components_``, ``history_``, ``n_iter_``, ``kl_warmup_epochs_``,
  ``kl_per_dimension_``, ``n_active_units_``, ``n_features_in_``,
  ``feature_names_in_`` (where the model was fitted on named columns),
  ``condition_columns_``, ``condition_categories_``, ``column_kinds_``, ``categories_``,
  ``mean_`` and ``scale_``, and ``offset_`` where there is one (outlier detectors);
- parameters: ``max_iter``, ``n_importance_samples`` and, with
  ``offset_``, ``contamination``.
"""

from skvae.plot._anomaly import anomaly_scores
from skvae.plot._latent import latent_space, latent_traversal, reconstructions
from skvae.plot._report import report, report_numbers
from skvae.plot._samples import correlations, marginals
from skvae.plot._training import loss_curves

__all__ = [
    "anomaly_scores",
    "correlations",
    "latent_space",
    "latent_traversal",
    "loss_curves",
    "marginals",
    "reconstructions",
    "report",
    "report_numbers",
]
