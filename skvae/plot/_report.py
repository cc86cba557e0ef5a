"""The HTML report of skvae.plot: every plot and the key numbers of a model on one page."""

import base64
import html
import io
import os
import tempfile

import numpy as np

from skvae.metrics import correlation_difference
from skvae.plot._anomaly import anomaly_scores
from skvae.plot._data import (
    check_vae,
    conditions_of,
    data_columns,
    decode,
    encode,
    marginal_distance,
    real_and_sampled,
    typical_conditions,
)
from skvae.plot._figure import pyplot
from skvae.plot._latent import latent_space, latent_traversal, reconstructions
from skvae.plot._samples import correlations, marginals
from skvae.plot._training import loss_curves


def _png(figure):
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100)
    pyplot().close(figure)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def report_numbers(estimator, X):
    """The key numbers of a fitted model on rows X, as (name, value, meaning) triples.

    Parameters
    ----------
    estimator : fitted VAETransformer, VAEOutlierDetector or VAEImputer
        The model to summarise.
    X : array-like of shape (n_samples, n_features)
        Rows to evaluate it on (held-out rows tell more than the training rows).

    Returns
    -------
    numbers : list of (str, str, str)
        Name, formatted value and a one-line meaning of each number.

    Examples
    --------
    >>> from sklearn.datasets import load_wine
    >>> from skvae import VAETransformer
    >>> from skvae.plot import report_numbers
    >>> X, _ = load_wine(return_X_y=True)
    >>> vae = VAETransformer(hidden_layer_sizes=(8,), max_iter=3, random_state=0).fit(X)
    >>> dict((name, value) for name, value, _ in report_numbers(vae, X))["epochs (n_iter_)"]
    '3'
    """
    check_vae(estimator, "report_numbers")
    scores = np.asarray(estimator.score_samples(X), dtype=np.float64)
    expected, kl = estimator.elbo_terms(X)
    Z, rows = encode(estimator, X)
    rebuilt = decode(estimator, Z, conditions_of(estimator, rows))
    columns = data_columns(estimator)
    observed = rows[:, columns]
    error = (observed - rebuilt[:, columns]) ** 2
    # Over the observed entries: the share of the rows' variance the reconstruction misses.
    unexplained = np.nansum(error) / np.nansum((observed - np.nanmean(observed, axis=0)) ** 2)
    history = estimator.history_
    numbers = [
        ("rows x columns", f"{rows.shape[0]} x {rows.shape[1]}", "the rows evaluated here"),
        ("epochs (n_iter_)", f"{estimator.n_iter_}", f"of max_iter={estimator.max_iter}"),
        (
            "final training loss",
            f"{history['loss'][-1]:.3f}",
            "nats per row, the training objective in the last epoch",
        ),
    ]
    if "val_loss" in history:
        # NaN for partial_fit's passes, which have no validation rows.
        best = np.nanmin(history["val_loss"])
        numbers.append(("best validation loss", f"{best:.3f}", "negative ELBO, nats"))
    numbers += [
        (
            "mean log-likelihood (score)",
            f"{scores.mean():.3f}",
            f"nats per row, importance-sampled with {estimator.n_importance_samples} draws",
        ),
        ("mean E_q[log p(x|z)]", f"{expected.mean():.3f}", "ELBO's reconstruction term, nats"),
        ("mean KL(q(z|x) || p(z))", f"{kl.mean():.3f}", "ELBO's KL term, nats"),
        ("mean ELBO", f"{(expected - kl).mean():.3f}", "a lower bound on the score, nats"),
        (
            "active units",
            f"{estimator.n_active_units_} of {estimator.n_components_}",
            "latent units whose posterior mean varies (variance > 0.01)",
        ),
        (
            "KL per latent dimension",
            ", ".join(f"{v:.2f}" for v in estimator.kl_per_dimension_),
            "kl_per_dimension_, nats, training rows",
        ),
        (
            "reconstruction mean squared error",
            f"{np.nanmean(error):.4g}",
            "in X's units, observed entries, decoder mean of the posterior mean",
        ),
        (
            "unexplained variance",
            f"{unexplained:.3f}",
            "squared reconstruction error / squared deviation from the column means "
            "(0 perfect, 1 no better than the mean row)",
        ),
    ]
    offset = getattr(estimator, "offset_", None)
    if offset is not None:
        flagged = int((scores < offset).sum())
        numbers += [
            ("threshold (offset_)", f"{offset:.3f}", f"contamination={estimator.contamination!r}"),
            ("rows flagged", f"{flagged} of {len(scores)}", "log-likelihood below offset_"),
        ]
    real, sampled, _ = real_and_sampled(estimator, X, None, 0)
    seen = ~np.isnan(real).all(axis=0)  # columns with an observed value in X
    real, sampled = real[:, seen], sampled[:, seen]
    if seen.any():
        distances = [
            marginal_distance(r[~np.isnan(r)], s)[1] for r, s in zip(real.T, sampled.T, strict=True)
        ]
        numbers += [
            (
                "mean marginal distance",
                f"{np.mean(distances):.3f}",
                "sampled vs real, per column KS (TV if both discrete), averaged over the "
                "observed values (0 best)",
            ),
            (
                "correlation difference",
                f"{correlation_difference(real, sampled):.3f}",
                "mean |corr(real) - corr(sampled)| off the diagonal, pairwise-complete (0 best)",
            ),
        ]
    return numbers


def report(estimator, X, path, y=None, image_shape=None, title=None):
    """Write a self-contained HTML page with the plots and key numbers of a fitted model.

    The page holds the table of :func:`report_numbers` and every plot of this module,
    as PNG images embedded in the file (base64 data URIs): it needs no other file and no
    network, so it can be mailed or archived as it is. The file is written to a temporary
    name beside ``path`` and renamed into place, so a failure leaves no partial page.

    Parameters
    ----------
    estimator : fitted VAETransformer, VAEOutlierDetector or VAEImputer
        The model to report on.
    X : array-like of shape (n_samples, n_features)
        Rows to evaluate, encode and compare samples with.
    path : str or path-like
        The HTML file to write.
    y : array-like of shape (n_samples,), default=None
        Labels to colour the latent space by.
    image_shape : (height, width), default=None
        Draw rows as images of this shape (e.g. ``(8, 8)`` for ``load_digits``).
    title : str, default=None
        Page title; None names the estimator.

    Returns
    -------
    path : str
        The path written.

    Examples
    --------
    >>> import os, tempfile
    >>> from sklearn.datasets import load_wine
    >>> from skvae import VAETransformer
    >>> from skvae.plot import report
    >>> X, y = load_wine(return_X_y=True)
    >>> vae = VAETransformer(hidden_layer_sizes=(8,), max_iter=3, random_state=0).fit(X)
    >>> path = report(vae, X, os.path.join(tempfile.mkdtemp(), "wine.html"), y=y)
    >>> page = open(path).read()
    >>> page.count("data:image/png;base64,"), "mean log-likelihood" in page
    (7, True)
    """
    check_vae(estimator, "report")
    name = type(estimator).__name__
    title = title or f"skvae report: {name}"
    numbers = report_numbers(estimator, X)
    plots = [
        ("Training curves", loss_curves(estimator).figure),
        ("Latent space", latent_space(estimator, X, y).figure),
        (
            "Real rows and reconstructions",
            reconstructions(estimator, X, image_shape=image_shape).figure,
        ),
        (
            "Latent traversal",
            latent_traversal(
                estimator,
                image_shape=image_shape,
                conditions=typical_conditions(estimator, X),
            ).figure,
        ),
        ("Marginals", marginals(estimator, X)),
        ("Correlations", correlations(estimator, X)),
        ("Log-likelihood per row", anomaly_scores(estimator, X).figure),
    ]
    rows = "\n".join(
        f"<tr><th>{html.escape(a)}</th><td>{html.escape(b)}</td><td>{html.escape(c)}</td></tr>"
        for a, b, c in numbers
    )
    figures = "\n".join(
        f'<figure><figcaption>{html.escape(caption)}</figcaption>\n<img alt="'
        f'{html.escape(caption)}" src="data:image/png;base64,{_png(figure)}"></figure>'
        for caption, figure in plots
    )
    page = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{html.escape(title)}</title>
<style>
body {{ font-family: sans-serif; margin: 2em auto; max-width: 1100px; color: #222; }}
table {{ border-collapse: collapse; margin-bottom: 2em; }}
th, td {{ text-align: left; padding: 0.3em 0.8em; border-bottom: 1px solid #ddd; }}
td:nth-child(3) {{ color: #666; font-size: 0.9em; }}
figure {{ margin: 0 0 2em 0; }}
figcaption {{ font-weight: bold; margin-bottom: 0.5em; }}
img {{ max-width: 100%; }}
pre {{ background: #f4f4f4; padding: 0.6em; white-space: pre-wrap; }}
</style>
</head>
<body>
<h1>{html.escape(title)}</h1>
<pre>{html.escape(repr(estimator))}</pre>
<h2>Key numbers</h2>
<table>
{rows}
</table>
<h2>Plots</h2>
{figures}
</body>
</html>
"""
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=".skvae-", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(page)
        # mkstemp creates the file private (0600); give the page the permissions any new
        # file gets, so it can be shared like the PNGs beside it.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.remove(temporary)
        raise
    return path
