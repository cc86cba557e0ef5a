"""The parameters of :class:`~skvae._vqvae._transformer.VQVAETransformer`: their
constraints (checked by scikit-learn's parameter validation) and their documentation.

The numpydoc entries are kept here, out of the estimator's module, and put into its
docstring by ``_fill_doc`` there; the ``%(column_types)s`` and ``%(handle_unknown)s``
placeholders are the table parameters shared with the VAEs
(:mod:`skvae._table._estimator_mixin`).
"""

from numbers import Integral, Real

from sklearn.utils._param_validation import Interval, StrOptions

from skvae._table._codes import KINDS
from skvae._table._estimator_mixin import TABLE_PARAMETER_CONSTRAINTS
from skvae._vae._parameters import ACTIVATIONS

# Column kinds the VQ-VAE models: every kind of the VAE's but "mixture".
VQ_KINDS = tuple(kind for kind in KINDS if kind != "mixture")

PARAMETER_CONSTRAINTS = {
    "n_codes": [Interval(Integral, 2, None, closed="left")],
    "code_dim": [Interval(Integral, 1, None, closed="left")],
    "n_latents": [Interval(Integral, 1, None, closed="left")],
    "hidden_layer_sizes": [tuple, list],
    "activation": [StrOptions(ACTIVATIONS)],
    "likelihood": [StrOptions(set(VQ_KINDS) - {"categorical"})],
    **TABLE_PARAMETER_CONSTRAINTS,
    "commitment_cost": [Interval(Real, 0, None, closed="left")],
    "decay": [Interval(Real, 0, 1, closed="neither")],
    "dead_code_patience": [Interval(Integral, 1, None, closed="left"), None],
    "var_floor": [Interval(Real, 0, None, closed="neither")],
    "learning_rate": [Interval(Real, 0, None, closed="neither")],
    "batch_size": [Interval(Integral, 1, None, closed="left")],
    "max_iter": [Interval(Integral, 1, None, closed="left")],
    "early_stopping": ["boolean"],
    "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
    "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
    "tol": [Interval(Real, 0, None, closed="left")],
    "output": [StrOptions({"indices", "embeddings"})],
    "random_state": ["random_state"],
    "verbose": ["verbose"],
}

# The entries of the class docstring's "Parameters" section, indented as there.
PARAMETERS_DOC = """    n_codes : int, default=64
        Codebook size K.
    code_dim : int, default=8
        Dimension of each codebook vector.
    n_latents : int, default=1
        Codes per row. The transform of a row is ``n_latents`` code indices (or their
        ``n_latents * code_dim`` codebook vectors); all latents share one codebook.
    hidden_layer_sizes : tuple of int, default=(64, 32)
        Widths of the encoder's hidden layers; the decoder mirrors them.
    activation : {"relu", "tanh", "elu", "selu", "gelu", "silu", "softplus", "sigmoid", \
"leaky_relu"}, default="relu"
        Activation of the hidden layers.
    likelihood : {"gaussian", "heteroscedastic", "student_t", "integer", "bernoulli"}, \
default="gaussian"
        Observation model p(x | codes) of the numeric columns: Gaussian with one learned
        variance per feature, Gaussian with a variance per feature and code that the
        decoder outputs, Student-t (heavy tails; see :doc:`tabular`), a discretised
        logistic for whole numbers (a probability per value; see
        :ref:`integer-columns`), or Bernoulli for data in {0, 1}. In a DataFrame,
        boolean columns are Bernoulli and category, object and string columns categorical
        whatever this is (integer columns keep this kind); see ``column_types``.
    %(column_types)s
    %(handle_unknown)s
    commitment_cost : float, default=0.25
        Weight beta of the commitment term ``||z_e - sg(e)||^2`` that keeps the encoder
        outputs near their codes.
    decay : float, default=0.99
        Decay of the exponential moving averages that update the codebook. Smaller is
        faster but noisier.
    dead_code_patience : int or None, default=50
        A code assigned no row for this many consecutive optimisation steps is restarted
        at a random encoder output of the current batch. None disables restarts.
    var_floor : float, default=1e-2
        Lower bound of the Gaussian observation variance, as a fraction of each feature's
        variance in the training data.
    learning_rate : float, default=1e-3
        Adam's step size.
    batch_size : int, default=128
        Rows per mini-batch; clipped to the number of training rows.
    max_iter : int, default=200
        Maximum number of epochs.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the rows, stop when their loss has not
        improved by ``tol`` for ``n_iter_no_change`` epochs, and restore the best weights
        (codebook included). When False, training stops when the training loss stalls.
    validation_fraction : float, default=0.1
        Fraction of rows held out for early stopping.
    n_iter_no_change : int, default=10
        Epochs without an improvement of ``tol`` before training stops.
    tol : float, default=1e-4
        Minimum improvement of the monitored loss (nats per row) that counts.
    output : {"indices", "embeddings"}, default="indices"
        What :meth:`transform` returns and :meth:`inverse_transform` takes: integer code
        indices of shape (n, ``n_latents``), or the codebook vectors, shape
        (n, ``n_latents * code_dim``).
    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation, batch order, the validation split and the codebook
        (re)initialisation draws. Pass an int for reproducible fits.
    verbose : int, default=0
        0 is silent; 1 shows one live progress bar over the fit's epochs (loss,
        validation loss, time left); 2 or more prints two lines per epoch, its number and
        then its losses (for logs).
"""

# The entries of the class docstring's "Attributes" section, indented as there.
ATTRIBUTES_DOC = """    codebook_ : ndarray of shape (n_codes, code_dim)
        The fitted codebook, in the encoder's output space.
    code_usage_ : ndarray of shape (n_codes,)
        Fraction of the training rows' codes (rows times latents) that are each code.
    perplexity_ : float
        ``exp`` of the entropy of ``code_usage_``: the effective number of codes used
        (``n_codes`` when all are used equally, 1 when one code takes everything).
    prior_codes_ : ndarray of shape (n_tuples, n_latents), dtype=int64
        The distinct code tuples of the training rows, the support of the prior.
    prior_ : ndarray of shape (n_tuples,)
        Their frequencies among the training rows: the prior of :meth:`sample` and
        :meth:`score_samples`.
    mean_, scale_ : ndarray of shape (`n_features_in_`,)
        The internal standardisation ``(x - mean_) / scale_`` (zeros and ones for
        Bernoulli and categorical columns).
    column_kinds_ : ndarray of shape (`n_features_in_`,), dtype=object
        The likelihood of each input column: "gaussian", "heteroscedastic",
        "student_t", "integer", "bernoulli" or "categorical" (see ``column_types``).
    categories_ : list of ndarray or None
        For each input column, the categories of a categorical column (the order of its
        softmax), else None.
    encoder_ : keras.Model
        Maps encoded X (continuous columns scaled, categorical ones one-hot) to the
        unquantised outputs z_e, shape (n, n_latents * code_dim).
    decoder_ : keras.Model
        Maps flattened codebook vectors to the decoder output in scaled units.
    history_ : dict of list of float
        Per-epoch ``loss`` (the training objective), ``reconstruction``
        (-log p(x | codes), nats per row in X's units), ``commitment`` (the unweighted
        squared distance of z_e to its codes) and ``perplexity`` (of each batch's code
        usage, averaged over the epoch); with early stopping also the ``val_`` ones.
    n_iter_ : int
        Number of epochs run.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Column names, when X was a DataFrame with string column names.
"""
