"""The numpydoc sections shared by skvae's VAE estimators: parameters and attributes.

Each class docstring includes them with ``%(parameters)s`` and ``%(attributes)s`` (see
:func:`fill_doc`), so a parameter is documented once for all of them.
"""

import re

from skvae._table._codes import KINDS
from skvae._table._estimator_mixin import HANDLE_UNKNOWN_DOC, column_types_doc

# numpydoc sections shared by every estimator built on BaseVAE; each class docstring
# includes them with ``%(parameters)s`` and ``%(attributes)s``.
PARAMETERS_DOC = (
    """    n_components : int, "sqrt" or "auto", default="sqrt"
        Dimension of the latent space. With p modelled columns (the columns other than
        ``condition_on``), ``"sqrt"`` gives ceil(sqrt(p)) dimensions (2 for 4 columns, 4 for
        13, 8 for 64), the default of :class:`~skvae.VAETransformer`: on the tables of
        ``benchmarks/density.py`` it raised the held-out log-likelihood over a fixed 2 on 10
        of 12 (iris kept 2, wine lost 0.01 nats; see :doc:`density`), and the synthetic rows
        of :meth:`~skvae.VAETransformer.sample` kept more of the dependence between columns.
        ``"auto"`` gives one dimension per modelled column: the KL term switches off the
        dimensions the data do not need, so it suits tasks that want every detail the data
        hold (imputation, outlier detection: the default of :class:`~skvae.VAEImputer` and
        :class:`~skvae.VAEOutlierDetector`) rather than a small map. Both are at most 64.
        For a 2-D map to plot, pass ``n_components=2``. The fitted value is
        ``n_components_``.
    hidden_layer_sizes : tuple of int, default=(64, 32)
        Widths of the encoder's hidden layers; the decoder mirrors them. ``()`` makes
        encoder and decoder linear.
    activation : {"relu", "tanh", "elu", "selu", "gelu", "silu", "softplus", "sigmoid", \
"leaky_relu"}, default="relu"
        Activation of the hidden layers.
    likelihood : {"gaussian", "heteroscedastic", "mixture", "student_t", "integer", \
"bernoulli"}, default="student_t"
        Observation model p(x|z) of the numeric columns: any column kind but
        "categorical" (see ``column_types``). ``"student_t"`` (the default of
        VAETransformer and VAEOutlierDetector) gave the best held-out log-likelihood on
        most tables of ``benchmarks/density.py`` (see :doc:`density`): its heavy tails
        keep a rare or unseen value from wrecking a row's density. ``"gaussian"`` learns one
        variance per feature (the linear VAE is then factor analysis);
        ``"heteroscedastic"`` is Gaussian with a variance per feature that the decoder
        outputs for each z, so a pixel can be near-certain for one kind of row and noisy
        for another; ``"mixture"`` is, per feature, a mixture of ``n_mixture_components``
        Gaussians whose weights, means and variances the decoder outputs (skewed or
        multimodal columns keep their shape, and the density stays exact);
        ``"student_t"`` is a heavy-tailed Student-t whose location, scale and degrees of
        freedom the decoder outputs (outliers and rare extreme values cost little);
        ``"integer"`` is for whole numbers (counts, ages, ratings): a discretised logistic
        whose location and scale the decoder outputs, so a column's term of the
        log-likelihood is a log-*probability* P(x = k), the log-density of x + U(-1/2, 1/2)
        (see :ref:`integer-columns`); ``"bernoulli"`` is for data in {0, 1} (values in
        [0, 1] are accepted, but then the log-likelihood is a cross-entropy, not a
        probability). In a DataFrame, boolean columns are Bernoulli, integer columns
        "integer" (except in :class:`~skvae.VAEImputer`, whose linear-Gaussian fill keeps
        them at ``likelihood``) and category, object and string columns categorical
        whatever this is; see ``column_types``.
"""
    + column_types_doc(KINDS)
    + """    n_mixture_components : int, default=3
        Gaussian components per "mixture" column.
"""
    + HANDLE_UNKNOWN_DOC
    + """    beta : float, default=1.0
        Weight of the KL term in the training objective (beta-VAE). ``beta > 1`` pushes
        towards the prior (more disentangled, blurrier); ``beta < 1`` favours reconstruction.
    kl_warmup : int or "auto", default="auto"
        Number of epochs over which the KL weight rises linearly from 0 to ``beta``
        (per optimisation step), a remedy for posterior collapse. ``"auto"`` is 0 (no
        warm-up) for the single-layer VAE and, with ``n_components_lower``,
        ``min(20, max_iter_ // 10)`` epochs: without warm-up the two-layer model can
        collapse entirely (see :doc:`hierarchical`).
    free_bits : float, default=0.0
        Nats per latent dimension below which the KL term is not pushed down (Kingma et
        al., 2016): each dimension's batch-mean KL enters the loss as
        ``max(KL_j, free_bits)``. 0 disables it.
    var_floor : float, default=1e-2
        Lower bound of the Gaussian observation variance, as a fraction of each feature's
        variance in the training data (a constant feature uses the smallest variance among
        the others). It keeps the density finite on constant or near-discrete columns.
        An "integer" column's squared scale is floored at ``var_floor`` in X's units
        where that is smaller (a probability needs no such bound), but never below 1e-4
        of ``var_floor`` in standardised units: for a column of ``scale_`` above 100
        that is more than ``var_floor`` in X's units.
    whiten : bool or "auto", default=False
        Model the continuous columns (kinds "gaussian", "student_t", "heteroscedastic"
        and "mixture"; not constant ones, nor discrete ones with at most 20 distinct
        values, which keep their own coordinates) on their principal axes: the standardised
        columns are rotated onto the eigenvectors of their correlation matrix and each
        axis divided by its standard deviation (PCA whitening, eigenvalues floored at
        1e-3), and the log-Jacobian of that linear map is added, so
        :meth:`score_samples` stays a density in X's units. The decoder then models
        uncorrelated coordinates, so correlation that the latent space leaves unexplained
        is no longer lost: on ``load_breast_cancer`` (30 strongly correlated columns) the
        held-out log-likelihood rose from about 30 to about 36 nats per row, ahead of PCA
        tuned by cross-validation (28.7), and 6 more of the 12 tables of
        ``benchmarks/density.py`` gained. It costs elsewhere: skewed columns lost 2.0 nats
        per row, and the latent space then describes whitened axes, so
        :meth:`inverse_transform` reconstructs the large-variance directions worse (see
        :doc:`/density` for every table), so :class:`~skvae.VAETransformer` does not
        whiten by default. ``"auto"`` whitens complete training rows. Where a training row has a
        missing value in a column it would rotate, :class:`~skvae.VAETransformer` keeps every
        column in its own coordinates and models the holes, as with False (``whitening_`` says
        which happened), while :class:`~skvae.VAEOutlierDetector`, whose default it is, still
        whitens: the correlation is then the EM estimate from every row's observed entries, and
        fit fills each such hole with a draw from its Gaussian conditional given the row's
        observed columns. On tasks where no default was chosen whitening improved the detector's
        rankings of anomalies, with and without holes (:doc:`/anomaly_detection`).
        ``score_samples`` of a whitened model integrates over holes in the rotated columns by
        importance sampling (:ref:`whitened-holes`); ``transform`` encodes such a row with its
        holes at their conditional means. True, whose tags refuse NaN, needs complete rows (no
        missing value in those columns) in fit and ``transform``. A whitened model cannot
        generate rows under given column values (``sample(n, conditions={...})``).
        :class:`~skvae.VAEImputer`, which models each column given the others, never whitens:
        True is an error there, and "auto" means False.
    learning_rate : float, default=1e-3
        Adam's step size.
    batch_size : int or "auto", default="auto"
        Rows per mini-batch; clipped to the number of training rows. ``"auto"`` is
        ``min(128, max(32, n_samples // 4))``: several optimiser steps per epoch on small
        tables, 128 rows from 512 rows on (the value used is ``batch_size_``).
        :class:`~skvae.VAEImputer` divides by 16 instead of 4: more, smaller steps imputed
        better on every table measured (:doc:`/missing_values`).
    max_iter : int or "auto", default="auto"
        Maximum number of epochs. ``"auto"`` allows enough epochs for 5,000 optimiser
        steps, at least 200 and at most 1,000: ``ceil(5000 / ceil(n_samples /
        batch_size_))`` clipped to [200, 1000] (the value used is ``max_iter_``). Small
        tables, with a few batches per epoch, then train as many steps as large ones;
        the stopping rule (``n_iter_no_change``) still ends a fit whose loss has stalled.
        With a fixed 200 epochs, tables under 600 rows stopped short of their best
        (:doc:`/density`). :class:`~skvae.VAEImputer` keeps a fixed 500.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the rows, stop when their negative training
        bound (the ELBO, or the IWAE bound with ``objective="iwae"``; with beta = 1, no
        warm-up and no free bits) has not improved by ``tol`` for ``n_iter_no_change``
        epochs, and restore the best weights.
        When False, training stops when the training loss stalls in the same way.
    validation_fraction : float, default=0.1
        Fraction of rows held out for early stopping.
    n_iter_no_change : int, default=60
        Epochs without an improvement of ``tol`` before training stops. With a few
        mini-batches per epoch the training loss is noisy, and a short patience stops
        fits of small tables short of their best: 30 instead of 10 raised the held-out
        log-likelihood on 10 of the 12 tables of ``benchmarks/density.py``, and 60 instead
        of 30 (with ``max_iter="auto"``) on 10 of 12 again, by 0.2 to 2.9 nats per row on
        the real tables under 600 rows (:doc:`/density`).
    tol : float, default=1e-4
        Minimum improvement of the monitored loss (nats per row) that counts.
    objective : {"elbo", "iwae"}, default="elbo"
        Training objective: the ELBO, or the tighter K-sample importance-weighted bound
        (IWAE, Burda et al., 2015) with ``n_importance_train`` draws per row. With IWAE,
        ``beta`` and ``kl_warmup`` weight log p(z) - log q(z|x) inside each importance
        weight; ``free_bits`` has no IWAE counterpart and must stay 0.
    n_importance_train : int, default=8
        Draws per row for ``objective="iwae"`` (ignored for the ELBO). Training cost grows
        about linearly with it.
    n_importance_samples : int, default=100
        Draws from q(z|x) used by :meth:`score_samples` (1 gives the ELBO estimate).
    posterior : {"gaussian", "flow"}, default="gaussian"
        Family of the approximate posterior q(z|x). ``"gaussian"`` is the diagonal
        Gaussian N(mu(x), diag sigma(x)^2). ``"flow"`` pushes that Gaussian's draws
        through ``n_flows`` inverse autoregressive flow steps (Kingma et al., 2016), so
        q(z|x) can be skewed, curved or correlated; the KL term is then a one-sample Monte
        Carlo estimate, :meth:`transform` returns the flow applied to mu, and
        ``free_bits`` must be 0 (a flow's KL does not split into independent dimensions).
        See :doc:`flows`.
    n_flows : int, default=4
        Number of flow steps for ``posterior="flow"`` (ignored otherwise).
    n_components_lower : int or None, default=None
        Width of a second, lower stochastic layer z1 between the latent space z and the
        data (a two-layer hierarchical VAE with top-down inference, as in the Ladder VAE):
        p(z) = N(0, I), p(z1|z) Gaussian from a small network, p(x|z1, z). ``n_components``
        stays the top layer, the one :meth:`transform` returns and :meth:`sample` draws
        from the prior. None is the single-layer VAE. Not combinable with
        ``posterior="flow"``. See :doc:`hierarchical`.
    condition_on : list of int or str, default=None
        Columns of X to condition on (a conditional VAE): indices, or names when X is a
        DataFrame. They are inputs of the encoder and the decoder but are not modelled,
        so :meth:`score_samples` is log p(x | c) over the other columns, and
        :meth:`sample` (and ``VAETransformer.inverse_transform``) take ``conditions=``
        (without them, ``sample`` draws them with their training shares). Columns with
        integer values and at most 32 distinct values are one-hot encoded (an unseen
        value later is an error); others are standardised.
    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation, batch order, the validation split and the
        reparameterisation noise. Pass an int for reproducible fits.
    verbose : int, default=0
        0 is silent; 1 shows one live progress bar over the fit's epochs (loss,
        validation loss, time left); 2 or more prints two lines per epoch, its number and
        then its losses (for logs). At 1
        or more, ``score_samples``, ``sample`` and decoding over more than 8,192 rows
        show a progress bar over the rows too.
    distribution : tf.distribute.Strategy or keras.distribution.Distribution, default=None
        Train data-parallel over several devices or machines: under TensorFlow a
        ``tf.distribute`` strategy (``MirroredStrategy`` for the GPUs of one machine,
        ``MultiWorkerMirroredStrategy`` for several machines), under JAX a
        ``keras.distribution`` object (``DataParallel``). The model is built and
        compiled inside its scope; ``batch_size`` is the global batch, split across the
        replicas. The strategy is a property of the running process: clones share it,
        and pickling or :func:`skvae.save` stores None in its place. See
        :doc:`/scale`.
    dtype_policy : {"float32", "mixed_float16", "mixed_bfloat16"}, default="float32"
        Precision of the networks' layers, named after Keras's dtype policies. The mixed
        policies compute the encoder's and decoder's layers in float16 or bfloat16 while
        keeping their weights in float32; the network outputs are cast to float32 before
        the likelihood, KL and flow terms, which stay in float32, and with
        ``"mixed_float16"`` the loss is scaled (Keras's ``LossScaleOptimizer``) so that
        small gradients do not underflow. Faster on GPUs with tensor cores (NVIDIA Volta
        and later for float16, Ampere and later for bfloat16), usually slower on CPUs.
        Keras's global dtype policy is never changed, and predictions are float64 as
        with ``"float32"``. See :doc:`/scale`.
"""
)

ATTRIBUTES_DOC = """    encoder_ : keras.Model
        Maps scaled X to ``[z_mean, z_log_var]``. A plain Keras model: ``export`` it to
        serve it without skvae (see :doc:`/scale`).
    decoder_ : keras.Model
        Maps z to the decoder output in scaled units (means, or logits for Bernoulli);
        exportable likewise.
    mean_, scale_ : ndarray of shape (n_modelled_features,)
        The internal standardisation ``(x - mean_) / scale_`` of the modelled (non-condition)
        columns (zeros and ones for Bernoulli and categorical columns).
    whitening_ : ndarray of shape (n_whitened, n_whitened) or None
        With ``whiten=True``, the matrix W that maps the standardised whitened columns
        to the model's coordinates, ``((x - mean_) / scale_)[whitened_features_] @ W``;
        None without whitening.
    whitened_features_ : ndarray of shape (n_whitened,), dtype=int, or None
        Positions, among the modelled columns, of the whitened ones; None without
        whitening.
    column_kinds_ : ndarray of shape (`n_features_in_`,), dtype=object
        The likelihood of each input column: "student_t" (the default of real-valued
        columns), "gaussian", "heteroscedastic", "mixture", "integer" (a DataFrame's
        integer columns), "bernoulli" or "categorical" (for ``condition_on`` columns:
        how their values are read; they are not modelled).
    categories_ : list of ndarray or None
        For each input column, the categories of a categorical column (the order of its
        softmax), else None.
    condition_columns_ : ndarray of shape (n_conditions,), dtype=int
        Indices of the ``condition_on`` columns in X (empty when unconditional).
    condition_categories_ : list of ndarray or None
        For each condition column, its categories (one-hot encoded), or None for a
        standardised numeric condition. For a categorical column (text, a pandas
        category) these are the codes of its categories, which ``categories_`` lists.
    noise_variance_ : ndarray of shape (n_modelled_features,) or None
        Learned observation variance of each modelled "gaussian" column, in X's units (NaN
        for columns of other kinds and for whitened columns); None when no column is
        "gaussian" (Bernoulli and categorical columns have none, and the heteroscedastic
        and mixture variances depend on z).
    n_components_ : int
        Dimension of the latent space (``n_components`` with "auto" resolved).
    kl_warmup_epochs_ : int
        The epochs of KL warm-up the fit used (``kl_warmup`` with "auto" resolved).
    history_ : dict of list of float
        Per-epoch ``loss`` (the training objective), ``reconstruction`` (-E_q[log p(x|z)]),
        ``kl`` (closed form; a one-draw estimate for ``posterior="flow"`` and
        ``n_components_lower``) and, with early stopping, ``val_loss`` (the negative
        ELBO, or IWAE bound with ``objective="iwae"``, with beta = 1),
        ``val_reconstruction`` and ``val_kl``; all in nats per row, in X's units. Each
        list has ``n_iter_`` entries: a ``partial_fit`` pass adds NaN to the validation
        lists.
    n_iter_ : int
        Number of epochs run.
    batch_size_ : int
        Rows per mini-batch of the fit (``batch_size`` with "auto" resolved); a pass over
        fewer training rows trains them in one batch. A later ``partial_fit`` call uses
        ``batch_size`` where it is a number (``set_params`` may change it between calls),
        and this value where it is "auto".
    max_iter_ : int
        The most epochs the fit could run (``max_iter`` with "auto" resolved); ``n_iter_``
        is the number it ran. Later ``partial_fit`` calls add one epoch each to
        ``n_iter_``, which may then exceed ``max_iter_``.
    kl_per_dimension_ : ndarray of shape (n_components,) or \
(n_components + n_components_lower,)
        Mean KL(q(z|x) || p(z)) of each latent dimension over the training rows, in nats;
        near-zero entries are collapsed units. With ``posterior="flow"`` it is the Monte
        Carlo split of the KL over coordinates (see :meth:`kl_divergence`); with
        ``n_components_lower`` the top layer's dimensions come first, then the lower
        layer's KL(q(z1|x, z) || p(z1|z)).
    active_units_ : ndarray of shape (n_components,) or (n_components + n_components_lower,), \
dtype=bool
        Whether each latent unit is active: the variance of its posterior location over
        the training rows exceeds 0.01 (Burda et al., 2015). The location is the posterior
        mean, the flow applied to it for ``posterior="flow"``, and for a hierarchy the top
        mean followed by the lower layer's mean given it. A
        :class:`PosteriorCollapseWarning` is raised when fewer than half are active.
    n_active_units_ : int
        Number of active latent units.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Column names, when X was a DataFrame with string column names.
"""


def fill_doc(cls):
    """Class decorator: put the shared parameter and attribute sections in the docstring.

    Examples
    --------
    >>> from skvae._vae._docs import fill_doc
    >>> class Demo:
    ...     pass
    >>> Demo.__doc__ = "Demo." + chr(10) * 2 + "    %(parameters)s" + chr(10)
    >>> "n_components : int" in fill_doc(Demo).__doc__
    True
    """
    cls.__doc__ = cls.__doc__.replace("    %(parameters)s\n", PARAMETERS_DOC).replace(
        "    %(attributes)s\n", ATTRIBUTES_DOC
    )
    return cls


def with_defaults(defaults):
    """Class decorator: rewrite the defaults that a class changes in its filled-in
    parameter section (apply it above :func:`fill_doc`).

    Examples
    --------
    >>> from skvae._vae._docs import fill_doc, with_defaults
    >>> class Demo:
    ...     pass
    >>> Demo.__doc__ = "Demo." + chr(10) * 2 + "    %(parameters)s" + chr(10)
    >>> Demo = with_defaults({"n_components": '"auto"'})(fill_doc(Demo))
    >>> 'n_components : int, "sqrt" or "auto", default="auto"' in Demo.__doc__
    True
    """

    def rewrite(cls):
        for name, default in defaults.items():
            cls.__doc__, n = re.subn(
                rf"(\n    {name} : [^\n]*default=)[^\n]*", rf"\g<1>{default}", cls.__doc__
            )
            if n != 1:
                raise RuntimeError(f"no documented default for {name}")
        return cls

    return rewrite
