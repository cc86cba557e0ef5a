"""``VAEParameters``: the hyperparameters of skvae's VAE estimators and their checks.

Every VAE estimator takes the same parameters (documented once, in
:mod:`skvae._vae._docs`); this base class declares their constraints for scikit-learn's
validation, stores them (``__init__`` only assigns), checks the combinations that the
constraints cannot express, and resolves the "auto" values.
"""

import copy
import math
import warnings
from numbers import Integral, Real

from sklearn.base import BaseEstimator
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions

from skvae._table._codes import KINDS
from skvae._table._estimator_mixin import TABLE_PARAMETER_CONSTRAINTS
from skvae._user_frame import user_stacklevel

# Keras dtype policies the networks can be built with (see the dtype_policy parameter).
DTYPE_POLICIES = {"float32", "mixed_float16", "mixed_bfloat16"}

ACTIVATIONS = {"relu", "tanh", "elu", "selu", "gelu", "silu", "softplus", "sigmoid", "leaky_relu"}

# n_components="auto": one latent dimension per modelled column, at most this many. The KL
# term switches off the dimensions the data do not need, so the rule costs little beyond
# compute; with it (and 32-row batches) VAEImputer imputed better on all 15 cells of
# benchmarks/imputation.py than with n_components=2. "sqrt" (VAETransformer's default) is
# capped the same way.
AUTO_MAX_COMPONENTS = 64

# batch_size="auto": about four batches per epoch, within these bounds. Small tables then get
# several optimiser steps per epoch instead of one: on iris and wine (112 and 133 training
# rows) one full batch per epoch stalled the stopping rule after 40 to 180 epochs, 0.2 to
# 1.4 nats per row short of 32-row batches (benchmarks/density.py).
AUTO_BATCH_SIZE_DIVISOR = 4
AUTO_BATCH_SIZE_RANGE = (32, 128)

# max_iter="auto": enough epochs for this many optimiser steps, within these bounds. 200
# epochs of about four batches (800 steps) left the tables under 600 rows short of their
# best: with more epochs allowed, the stopping rule (n_iter_no_change=30 then) ended their
# fits by epoch 691, 0.07 to 2.5 nats per row higher on held-out rows (with the patience of
# 60 since, some reach the 1,000); digits (11 batches per
# epoch) gained 2.6 from 455 epochs, and tables of 2000 rows (12 batches) nothing past 200
# (benchmarks/density.py, docs/density.rst).
AUTO_MAX_ITER_STEPS = 5000
AUTO_MAX_ITER_RANGE = (200, 1000)

# Epochs of KL warm-up that kl_warmup="auto" gives a two-layer (hierarchical) model, at
# most a tenth of max_iter: without warm-up it collapsed entirely on two of three seeds of
# benchmarks/hierarchical.py, and warm-up raised its median held-out score on all three.
HIERARCHY_KL_WARMUP = 20


def warn_if_wider_than_columns(n_components, n_columns, conditioned):
    """Warn (``UserWarning``) when the ``n_components`` parameter, an integer, is above
    ``n_columns``, the number of modelled columns (X's columns less the condition columns,
    if ``conditioned``). "auto" and "sqrt" never are, so fit warns only for an integer.

    Examples
    --------
    >>> import warnings
    >>> from skvae._vae._parameters import warn_if_wider_than_columns
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     warn_if_wider_than_columns(12, 4, conditioned=False)
    >>> print(caught[0].message)  # doctest: +ELLIPSIS
    n_components=12 is more than the 4 columns of X: 4 latent dimensions can ...
    """
    if isinstance(n_components, str) or n_components <= n_columns:
        return
    columns = "modelled columns of X (those not in condition_on)" if conditioned else "columns of X"
    warnings.warn(
        f"n_components={n_components} is more than the {n_columns} {columns}: "
        f"{n_columns} latent dimensions can already hold every column, so the ones "
        f"beyond {n_columns} carry no information (the KL term switches them off) and "
        f"only cost training time. Set n_components to at most {n_columns}, or "
        '"auto" (one dimension per column)',
        UserWarning,
        stacklevel=user_stacklevel(),
    )


class VAEParameters(BaseEstimator):
    """The parameters of a VAE estimator (see :mod:`skvae._vae._docs`). Not for direct use.

    Examples
    --------
    >>> from skvae import VAETransformer
    >>> VAETransformer(n_components_lower=2, max_iter=100)._kl_warmup_epochs()
    10
    """

    # batch_size="auto" aims at this many batches per epoch (VAEImputer wants more steps).
    _auto_batch_divisor = AUTO_BATCH_SIZE_DIVISOR
    # Whether whiten=True is allowed (VAEImputer says no: it models columns given the others).
    _whitening_supported = True

    _parameter_constraints = {
        "n_components": [
            Interval(Integral, 1, None, closed="left"),
            StrOptions({"auto", "sqrt"}),
        ],
        "hidden_layer_sizes": [tuple, list],
        "activation": [StrOptions(ACTIVATIONS)],
        "likelihood": [StrOptions(set(KINDS) - {"categorical"})],
        **TABLE_PARAMETER_CONSTRAINTS,
        "n_mixture_components": [Interval(Integral, 1, None, closed="left")],
        "beta": [Interval(Real, 0, None, closed="left")],
        "kl_warmup": [Interval(Integral, 0, None, closed="left"), StrOptions({"auto"})],
        "free_bits": [Interval(Real, 0, None, closed="left")],
        "var_floor": [Interval(Real, 0, None, closed="neither")],
        "whiten": ["boolean", StrOptions({"auto"})],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "batch_size": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
        "max_iter": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "objective": [StrOptions({"elbo", "iwae"})],
        "n_importance_train": [Interval(Integral, 1, None, closed="left")],
        "n_importance_samples": [Interval(Integral, 1, None, closed="left")],
        "posterior": [StrOptions({"gaussian", "flow"})],
        "n_flows": [Interval(Integral, 1, None, closed="left")],
        "n_components_lower": [Interval(Integral, 1, None, closed="left"), None],
        "condition_on": [list, tuple, None],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
        "distribution": [None, HasMethods(["scope"])],
        "dtype_policy": [StrOptions(DTYPE_POLICIES)],
    }

    def __init__(
        self,
        n_components="sqrt",
        *,
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
        whiten=False,
        learning_rate=1e-3,
        batch_size="auto",
        max_iter="auto",
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=60,
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
        self.n_components = n_components
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.likelihood = likelihood
        self.column_types = column_types
        self.n_mixture_components = n_mixture_components
        self.handle_unknown = handle_unknown
        self.beta = beta
        self.kl_warmup = kl_warmup
        self.free_bits = free_bits
        self.var_floor = var_floor
        self.whiten = whiten
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.max_iter = max_iter
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.objective = objective
        self.n_importance_train = n_importance_train
        self.n_importance_samples = n_importance_samples
        self.posterior = posterior
        self.n_flows = n_flows
        self.n_components_lower = n_components_lower
        self.condition_on = condition_on
        self.random_state = random_state
        self.verbose = verbose
        self.distribution = distribution
        self.dtype_policy = dtype_policy

    def _check_hidden_layer_sizes(self):
        sizes = tuple(self.hidden_layer_sizes)
        if not all(isinstance(s, Integral) and not isinstance(s, bool) and s >= 1 for s in sizes):
            raise ValueError(
                "hidden_layer_sizes must be a tuple of positive integers (or () for a "
                f"linear VAE); got {self.hidden_layer_sizes!r}"
            )
        return tuple(int(s) for s in sizes)

    def _check_objective(self):
        if self.objective == "iwae" and self.free_bits > 0:
            raise ValueError(
                f'free_bits={self.free_bits} has no meaning for objective="iwae" (the bound '
                'has no separate KL term); set free_bits=0 or use objective="elbo"'
            )

    def _check_posterior_options(self):
        if self.posterior == "flow" and self.free_bits > 0:
            raise ValueError(
                f"free_bits={self.free_bits} needs a KL per latent dimension, which "
                'posterior="flow" does not have (its KL is a sampled whole); set free_bits=0 '
                'or use posterior="gaussian"'
            )
        if self.posterior == "flow" and self.n_components_lower is not None:
            raise ValueError(
                f'posterior="flow" cannot be combined with n_components_lower='
                f'{self.n_components_lower}; use one of them (posterior="gaussian" for a '
                "hierarchy, or n_components_lower=None for a flow)"
            )

    def _whitens(self):
        """``whiten``, refused where the estimator cannot use it (see the parameter's
        description and skvae._table._whitening). ``"auto"`` whitens where the estimator
        can; rows with holes then turn it off (``WhiteningMixin._set_whitening``)."""
        if isinstance(self.whiten, str):  # "auto"
            return self._whitening_supported
        if self.whiten and not self._whitening_supported:
            raise ValueError(
                f"{type(self).__name__} does not support whiten=True: it models each column "
                "given the others, in the columns' own coordinates; use whiten=False"
            )
        return bool(self.whiten)

    def _kl_warmup_epochs(self):
        """``kl_warmup`` in epochs, with "auto" resolved (see the class docstring)."""
        if self.kl_warmup != "auto":
            return int(self.kl_warmup)
        if self.n_components_lower is None:
            return 0
        max_iter = self.max_iter
        if max_iter == "auto":  # the fit's resolved limit, or the least "auto" gives
            max_iter = getattr(self, "max_iter_", AUTO_MAX_ITER_RANGE[0])
        return min(HIERARCHY_KL_WARMUP, int(max_iter) // 10)

    def _n_components_for(self, n_columns):
        """``n_components`` for ``n_columns`` modelled columns, with "auto" resolved (see
        the class docstring); an integer above ``n_columns`` warns.

        Examples
        --------
        >>> from skvae import VAEImputer, VAETransformer
        >>> [VAEImputer()._n_components_for(p) for p in (4, 30, 200)]
        [4, 30, 64]
        >>> [VAETransformer()._n_components_for(p) for p in (1, 4, 5, 30, 64)]
        [1, 2, 3, 6, 8]
        """
        if self.n_components == "auto":
            wanted = int(n_columns)
        elif self.n_components == "sqrt":
            # The smallest width whose square covers the columns: ceil(sqrt(p)), in integers
            # so that a perfect square is not rounded up by a float error.
            wanted = math.isqrt(max(int(n_columns) - 1, 0)) + 1
        else:
            warn_if_wider_than_columns(self.n_components, n_columns, bool(self.condition_on))
            return int(self.n_components)
        return max(1, min(AUTO_MAX_COMPONENTS, wanted))

    def _batch_size_for(self, n_rows):
        """``batch_size`` for ``n_rows`` training rows, with "auto" resolved (see the
        class docstring).

        Examples
        --------
        >>> from skvae import VAETransformer
        >>> [VAETransformer()._batch_size_for(n) for n in (100, 300, 5000)]
        [32, 75, 128]
        """
        if self.batch_size != "auto":
            return int(self.batch_size)
        low, high = AUTO_BATCH_SIZE_RANGE
        return min(high, max(low, n_rows // self._auto_batch_divisor))

    def _max_iter_for(self, n_rows):
        """``max_iter`` for ``n_rows`` training rows, with "auto" resolved (see the class
        docstring): enough epochs for ``AUTO_MAX_ITER_STEPS`` optimiser steps.

        Examples
        --------
        >>> from skvae import VAETransformer
        >>> [VAETransformer()._max_iter_for(n) for n in (100, 1347, 5000, 100_000)]
        [1000, 455, 200, 200]
        """
        if self.max_iter != "auto":
            return int(self.max_iter)
        steps_per_epoch = -(-int(n_rows) // self._batch_size_for(n_rows))
        low, high = AUTO_MAX_ITER_RANGE
        return min(high, max(low, -(-AUTO_MAX_ITER_STEPS // steps_per_epoch)))

    def _training_params(self):
        """get_params() with the resolved ``kl_warmup`` and the hierarchy's architecture
        (the one the fitted model was built with; "ladder" for a new fit): what the
        training code reads."""
        return {
            **self.get_params(),
            "kl_warmup": self._kl_warmup_epochs(),
            # "auto" as fit resolved it (partial_fit keeps the first fit's); a number as set
            # (set_params may change it between partial_fit calls).
            "batch_size": getattr(self, "batch_size_", "auto")
            if self.batch_size == "auto"
            else self.batch_size,
            "max_iter": getattr(self, "max_iter_", self.max_iter),
            "hierarchy": getattr(self, "_hierarchy", "ladder"),
        }

    def __sklearn_clone__(self):
        # scikit-learn's clone deep-copies every parameter; a distribution strategy owns
        # devices and cluster connections, so clones share the same one instead.
        if self.distribution is None:
            return super().__sklearn_clone__()
        without = copy.copy(self)
        without.distribution = None
        new = super(VAEParameters, without).__sklearn_clone__()
        new.distribution = self.distribution
        return new
