"""``VAEOutlierDetector``: the VAE's log-likelihood as a scikit-learn outlier detector."""

import warnings
from numbers import Real

import numpy as np
from sklearn.base import OutlierMixin
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from skvae._persistence._registry import savable
from skvae._vae._base import BaseVAE
from skvae._vae._docs import fill_doc, with_defaults
from skvae._vae._hole_scores import HoleScoresMixin

# contamination="auto" flags the training rows whose log-likelihood lies below Tukey's
# lower fence: the first quartile minus this many interquartile ranges.
AUTO_FENCE_IQRS = 1.5
# trim="auto" leaves this fraction of the training rows out of the second fit (or the
# contamination, when that is larger): enough for the 1-10% of outliers that unsupervised
# data typically hold, at the cost of a tenth of clean rows when there are none.
AUTO_TRIM_FRACTION = 0.1
# trim's first fit only ranks the training rows, and its stopping rule waits at most this
# many epochs for a new best (the second fit waits n_iter_no_change). On the 63 cells of
# benchmarks/anomaly_detection.py the mean average precision stayed (0.385 against 0.384
# with the full patience of 30; median 0.272 against 0.266), on the 45 cells of
# `--tables unseen` it rose (0.680 to 0.689; median 0.704 to 0.736; wine cultivar 2
# fell from 0.482 to 0.446), and a default fit took 12 to 50% less time (breast_cancer
# 2.9 to 2.1 s, iris 1.9 to 1.0 s).
RANKING_N_ITER_NO_CHANGE = 10


# n_components="auto" (one latent dimension per column, as for VAEImputer): on 26 cells
# of benchmarks/anomaly_detection.py (seeds 0 and 1, 5% and 10%) it raised the mean
# average precision from 0.370 to 0.463 against n_components=2, most on the heavy-tailed
# table (0.19 to 0.58), where two dimensions are too few for its three-dimensional
# structure; digits lost a little (0.117 to 0.091). See docs/anomaly_detection.rst.
# n_iter_no_change=30, where VAETransformer now waits 60 epochs: the longer fits that
# raise held-out densities also fit the anomalies among the training rows. On the 63 cells
# of benchmarks/anomaly_detection.py, 60 lowered the mean average precision from 0.360 to
# 0.354 and the mean AUROC from 0.840 to 0.806 (wine: AP 0.179 to 0.108, AUROC 0.826 to
# 0.546), for gains on iris (0.196 to 0.225) and heavy tails (0.607 to 0.628).
# whiten="auto" and trim="auto": the real-valued columns on their principal axes (also
# with holes in them since 2026-12-06: skvae._vae._whitened_holes), fitted a second time
# without the least likely 10% of the rows, so that the correlation structure is the
# inliers'. Chosen on the 63 cells of benchmarks/anomaly_detection.py, where of the
# settings measured it had the highest mean and median average precision (0.384 and 0.266;
# whitening alone 0.368 and 0.245; neither, the previous default, 0.360 and 0.265), then
# checked on the 45 cells of `--tables unseen` (penguins and wine tasks no default had
# been chosen on): mean AP 0.680 against 0.599 (whitening alone) and 0.511 (neither),
# median 0.704 against 0.583 and 0.538, ahead of both on 4 of the 5 tasks. It costs a
# second fit. (At whiten=False trimming had lowered the suite's mean AP, 0.360 to 0.340:
# unwhitened, the model gave most anomalies a low likelihood anyway.) See
# docs/anomaly_detection.rst.
DETECTOR_DEFAULTS = {
    "n_components": '"auto"',
    "n_iter_no_change": "30",
    "whiten": '"auto"',
    "trim": '"auto"',
}


def _silently(function, *args, **kwargs):
    """``function(*args, **kwargs)`` with every warning it raises dropped: for trim's
    ranking fit, whose warnings about X (an identifier column, n_components above the
    columns) the second fit, reading the same X with the same parameters, raises once."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return function(*args, **kwargs)


@savable
@with_defaults(DETECTOR_DEFAULTS)
@fill_doc
class VAEOutlierDetector(HoleScoresMixin, OutlierMixin, BaseVAE):
    """Outlier detection with a variational autoencoder's log-likelihood.

    Fits a VAE to the training rows and scores each row by its importance-sampled
    log-likelihood log p(x) (:meth:`score_samples`): higher is more normal. Scores are
    deterministic (the importance-sampling noise is fixed at fit time). The training
    code and parameters are those of :class:`VAETransformer`; with ``trim`` the VAE is
    fitted again without the least likely training rows, so that outliers among them do
    not shape the density. Its log p(x) has no background share (see
    :meth:`VAETransformer.score_samples`), which would blur the ranking of the most
    anomalous rows. A row with holes scores E[log p(x) | x_observed] (see the user guide).

    Parameters
    ----------
    contamination : "auto" or float, default="auto"
        Expected proportion of outliers in the training rows. With a float, ``offset_``
        is that quantile of the training scores. With ``"auto"``, the threshold comes
        from the scores themselves, as in a box plot: ``offset_`` is Tukey's lower fence
        of the training log-likelihoods, Q1 - 1.5 (Q3 - Q1). Rows that are outliers among
        the training scores are flagged, however many; quartiles are unmoved by up to 25%.
    trim : "auto" or float in [0, 0.5), default="auto"
        Robust training. With a fraction above 0 the VAE is fitted twice: the second fit
        leaves out this fraction of the training rows, those with the lowest
        log-likelihood under the first fit, so that the outliers among the training rows
        do not shape the density that scores them (its scaling and whitening included).
        The first fit only ranks the rows: its stopping rule waits at most 10 epochs for
        a new best (``n_iter_no_change`` if smaller). ``"auto"`` (the default) trims 10%,
        or ``contamination`` when that is a larger float: with the default
        ``whiten="auto"`` it ranked anomalies best on the anomaly benchmark, also on tasks
        no default was chosen on (see the user guide). 0 fits once, on every row, as
        :class:`VAETransformer` does. Either way every row is scored and ``offset_`` set
        from all. ``callbacks`` see the second fit only. A memory-mapped X is fitted once.
    %(parameters)s

    Attributes
    ----------
    offset_ : float
        Threshold on :meth:`score_samples`: ``decision_function = score_samples - offset_``
        and rows below it are outliers.
    %(attributes)s

    See Also
    --------
    VAETransformer : The same model as a transformer.
    sklearn.ensemble.IsolationForest : Tree-based outlier detector.

    Examples
    --------
    >>> import numpy as np
    >>> from skvae import VAEOutlierDetector
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(300, 2)) @ rng.normal(size=(2, 4)) + 0.1 * rng.normal(size=(300, 4))
    >>> detector = VAEOutlierDetector(contamination=0.05, max_iter=20, random_state=0)
    >>> labels = detector.fit_predict(X)
    >>> round(float(np.mean(labels == -1)), 2)
    0.05
    >>> int(detector.predict([[8.0, 8.0, -8.0, 8.0]])[0])
    -1
    """

    _parameter_constraints = {
        **BaseVAE._parameter_constraints,
        "contamination": [StrOptions({"auto"}), Interval(Real, 0, 0.5, closed="right")],
        "trim": [StrOptions({"auto"}), Interval(Real, 0, 0.5, closed="left")],
    }

    def __init__(
        self,
        contamination="auto",
        *,
        trim="auto",
        n_components="auto",
        hidden_layer_sizes=(64, 32),
        activation="relu",
        likelihood="student_t",
        column_types=None,
        n_mixture_components=3,
        handle_unknown="error",
        beta=1.0,
        kl_warmup="auto",
        free_bits=0.0,
        var_floor=1e-2,
        whiten="auto",
        learning_rate=1e-3,
        batch_size="auto",
        max_iter="auto",
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=30,
        tol=1e-4,
        objective="elbo",
        n_importance_train=8,
        n_importance_samples=100,
        posterior="gaussian",
        n_flows=4,
        n_components_lower=None,
        condition_on=None,
        random_state=None,
        verbose=0,
        distribution=None,
        dtype_policy="float32",
    ):
        super().__init__(
            n_components=n_components,
            hidden_layer_sizes=hidden_layer_sizes,
            activation=activation,
            likelihood=likelihood,
            column_types=column_types,
            n_mixture_components=n_mixture_components,
            handle_unknown=handle_unknown,
            beta=beta,
            kl_warmup=kl_warmup,
            free_bits=free_bits,
            var_floor=var_floor,
            whiten=whiten,
            learning_rate=learning_rate,
            batch_size=batch_size,
            max_iter=max_iter,
            early_stopping=early_stopping,
            validation_fraction=validation_fraction,
            n_iter_no_change=n_iter_no_change,
            tol=tol,
            objective=objective,
            n_importance_train=n_importance_train,
            n_importance_samples=n_importance_samples,
            posterior=posterior,
            n_flows=n_flows,
            n_components_lower=n_components_lower,
            condition_on=condition_on,
            random_state=random_state,
            verbose=verbose,
            distribution=distribution,
            dtype_policy=dtype_policy,
        )
        self.contamination = contamination
        self.trim = trim

    # With it, benchmarks/anomaly_detection.py's mean AP fell from 0.385 to 0.367.
    _scores_with_background = False

    def _fit(self, X, callbacks=None):
        trim = self._trim_fraction()
        train_rows = None
        if trim > 0 and not isinstance(X, np.memmap):
            # The first fit only ranks the rows; the second raises the warnings about X once.
            patience = min(RANKING_N_ITER_NO_CHANGE, self.n_iter_no_change)
            _silently(super()._fit, X, overrides={"warn": False, "n_iter_no_change": patience})
            first_scores = _silently(lambda: self._score_rows(self._validate_rows(X)))
            ranks = np.argsort(np.argsort(first_scores, kind="stable"), kind="stable")
            # Exactly the floor(trim * n) least likely rows go, ties broken by position. The
            # second fit still reads every row's columns: a category only they hold stays.
            train_rows = np.flatnonzero(ranks >= int(trim * len(ranks)))
        super()._fit(X, callbacks=callbacks, train_rows=train_rows)
        scores = self._score_rows(self._validate_rows(X))
        if self.contamination == "auto":
            first, third = np.quantile(scores, [0.25, 0.75])
            self.offset_ = float(first - AUTO_FENCE_IQRS * (third - first))
        else:
            # Interpolated, as IsolationForest does: exactly contamination * n training
            # rows fall strictly below the threshold.
            self.offset_ = float(np.quantile(scores, self.contamination))
        return self

    def _trim_fraction(self):
        """The fraction of training rows the second fit leaves out (see ``trim``)."""
        if self.trim != "auto":
            return float(self.trim)
        if self.contamination == "auto":
            return AUTO_TRIM_FRACTION
        return max(AUTO_TRIM_FRACTION, float(self.contamination))

    def fit_predict(self, X, y=None, **kwargs):
        """Fit the detector on X and label its rows: +1 inlier, -1 outlier.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training rows (NaN marks a missing entry).
        y : None
            Ignored.
        **kwargs : dict
            Passed to :meth:`fit` (``callbacks``), as scikit-learn's ``fit_predict`` does.

        Returns
        -------
        labels : ndarray of shape (n_samples,)
            +1 for the rows at or above ``offset_``, -1 for the others.

        Examples
        --------
        >>> import numpy as np
        >>> from skvae import VAEOutlierDetector
        >>> z = np.random.default_rng(0).normal(size=(100, 1))
        >>> labels = VAEOutlierDetector(contamination=0.1, n_components=1, max_iter=3,
        ...                             random_state=0).fit_predict(np.hstack([z, -z]))
        >>> int((labels == -1).sum())
        10
        """
        return self.fit(X, **kwargs).predict(X)

    def decision_function(self, X):
        """Shifted log-likelihood: negative for outliers, positive for inliers.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to assess.

        Returns
        -------
        scores : ndarray of shape (n_samples,)
            ``score_samples(X) - offset_``.

        Examples
        --------
        >>> import numpy as np
        >>> from skvae import VAEOutlierDetector
        >>> z = np.random.default_rng(0).normal(size=(200, 1))
        >>> X = np.hstack([z, 2 * z, -z])  # rows on a line through 0
        >>> detector = VAEOutlierDetector(n_components=1, max_iter=10, random_state=0).fit(X)
        >>> bool(detector.decision_function([[9.0, -9.0, 9.0]])[0] < 0)
        True
        """
        check_is_fitted(self)
        return self.score_samples(X) - self.offset_

    def predict(self, X):
        """Label each row: +1 for an inlier, -1 for an outlier.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to label.

        Returns
        -------
        labels : ndarray of shape (n_samples,)
            +1 where ``decision_function(X) >= 0``, else -1.

        Examples
        --------
        >>> import numpy as np
        >>> from skvae import VAEOutlierDetector
        >>> z = np.random.default_rng(0).normal(size=(200, 1))
        >>> X = np.hstack([z, 2 * z, -z])  # rows on a line through 0
        >>> detector = VAEOutlierDetector(n_components=1, max_iter=10, random_state=0).fit(X)
        >>> detector.predict([[0.0, 0.0, 0.0], [9.0, -9.0, 9.0]]).tolist()
        [1, -1]
        """
        return np.where(self.decision_function(X) >= 0, 1, -1)
