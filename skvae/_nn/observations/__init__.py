"""Observation models p(x | z): one module per column kind, found without a central list.

Each module of :mod:`~skvae._nn.observations.continuous` (standardised columns, whose
densities carry the log-Jacobian of the scaling) and :mod:`~skvae._nn.observations.discrete`
(0/1 and category codes, kept as they are) defines one
:class:`~skvae._nn.observations.base.Observation` subclass named like the module; the module
name is the kind's name (``likelihood="gaussian"``, ``column_types={"x": "student_t"}``).
Adding a kind is adding such a module: the estimators' parameter validation, the column
kinds of :mod:`skvae._table._codes` and :class:`skvae._nn._layout.ColumnLayout` pick it up.

This package's own code does not import Keras: :func:`kind_names` and
:func:`continuous_kinds` read module names only, so that ``import skvae`` stays light;
:func:`observation_classes` imports the modules (and with them ``keras.ops``) when a model
is built.
"""

import importlib
import pkgutil

# The two folders of kind modules; a kind's folder says whether its values are standardised.
FAMILIES = ("continuous", "discrete")


def _family_kinds(family):
    package = importlib.import_module(f"{__name__}.{family}")
    return sorted(m.name for m in pkgutil.iter_modules(package.__path__) if m.name[0] != "_")


def continuous_kinds():
    """Names of the continuous kinds (standardised columns), sorted; no Keras import.

    Returns
    -------
    kinds : tuple of str

    Examples
    --------
    >>> from skvae._nn.observations import continuous_kinds
    >>> continuous_kinds()[:3]
    ('gaussian', 'heteroscedastic', 'integer')
    """
    return tuple(_family_kinds("continuous"))


def kind_names():
    """Names of every column kind: the continuous ones, then the discrete ones, each sorted.

    Read from the module names, without importing the modules (nor Keras).

    Returns
    -------
    kinds : tuple of str

    Examples
    --------
    >>> from skvae._nn.observations import kind_names
    >>> [kind for kind in kind_names() if kind != "student_t"]
    ['gaussian', 'heteroscedastic', 'integer', 'mixture', 'bernoulli', 'categorical']
    """
    return tuple(kind for family in FAMILIES for kind in _family_kinds(family))


def observation_classes():
    """Every kind's :class:`~skvae._nn.observations.base.Observation` class, in the order of
    their blocks in the decoder output (``parameter_order``, then name).

    Imports the kind modules (and so ``keras.ops``). Each must define exactly the class of
    its own name, continuous exactly when it sits in ``continuous/``.

    Returns
    -------
    classes : dict of str to type
        Kind name to class, in parameter order.

    Examples
    --------
    >>> from skvae._nn.observations import observation_classes
    >>> list(observation_classes())[:5]
    ['gaussian', 'heteroscedastic', 'bernoulli', 'categorical', 'mixture']
    """
    # Imported here, not at the top: base imports keras.ops.
    from skvae._nn.observations.base import REGISTRY

    for family in FAMILIES:
        for name in _family_kinds(family):
            importlib.import_module(f"{__name__}.{family}.{name}")
            cls = REGISTRY.get(name)
            if cls is None or cls.continuous != (family == "continuous"):
                raise TypeError(
                    f"observation module {family}/{name}.py must define an Observation "
                    f"subclass with name = {name!r} and continuous = {family == 'continuous'}"
                )
    return dict(sorted(REGISTRY.items(), key=lambda item: (item[1].parameter_order, item[0])))
