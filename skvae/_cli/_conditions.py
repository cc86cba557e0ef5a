"""``--conditions`` of ``skvae sample`` and ``skvae inverse``, as the estimators take it.

A model fitted with ``--condition-on`` takes its condition columns' values (a list for
``conditions=``); ``sample`` of any other model takes ``column=value`` pairs (a dict). The
form is checked against the model here, before the estimator sees it, so that a wrong
form is an error in the command line's words (``--conditions``, ``--condition-on``)
rather than the estimator's (``conditions=[...]``, ``conditions={column: value}``).
"""

import csv
import re

from skvae._cli._errors import CLIError
from skvae._table._labels import column_labels


def parse_conditions(text, model, command):
    """The ``conditions`` of ``model``'s ``sample`` or ``inverse_transform`` that
    ``--conditions text`` gives (None where it is not given).

    Parameters
    ----------
    text : str or None
        The option's value: comma-separated values or ``column=value`` pairs. Values are
        numbers where they parse; category names stay text.
    model : estimator
        The fitted model the command applies.
    command : {"sample", "inverse"}
        The command, for what a model without condition columns takes.

    Returns
    -------
    conditions : list, dict or None

    Raises
    ------
    CLIError
        If the form does not suit the model: values of the wrong count (or none, for
        ``inverse``) for a model with condition columns; pairs for it; values for any
        other model.

    Examples
    --------
    >>> import numpy as np
    >>> from skvae import VAETransformer
    >>> from skvae._cli._conditions import parse_conditions
    >>> X = np.random.default_rng(0).normal(size=(50, 3))
    >>> model = VAETransformer(max_iter=1, random_state=0).fit(X)
    >>> parse_conditions("x1=0.5", model, "sample")
    {'x1': 0.5}
    >>> parse_conditions("0.5", model, "sample")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    skvae._cli._errors.CLIError: --conditions 0.5: this model was fitted without --condition-on...
    """
    if "=" in (text or ""):
        # Pairs: a comma starts a new pair only before "name=", so a value may hold commas
        # (region=north, upper).
        items = re.split(r",(?=[^,=]*=)", text)
    else:
        # Values: CSV quoting ("north, upper") for a value that holds a comma.
        items = next(csv.reader([text or ""], skipinitialspace=True), [])
    values = [item.strip() for item in items if item.strip()]
    pairs = bool(values) and all("=" in value for value in values)
    names = [str(name) for name in column_labels(model)[model.condition_columns_]]
    if names:
        if not values and command == "sample":
            return None  # sample draws the conditions with their training shares
        if pairs:
            raise CLIError(
                f"--conditions {text}: column=value pairs are for models fitted without "
                f"--condition-on; this one is conditioned on {names}: give their values "
                "alone, one per column in that order"
            )
        if len(values) != len(names):
            given = (
                f"--conditions {text} gives {len(values)} value(s)" if values else "no --conditions"
            )
            raise CLIError(
                f"{given}, but the model is conditioned on {len(names)} column(s) {names} "
                "(fit's --condition-on): give --conditions one value per column, in that order"
            )
        return [_value(value, model, name) for value, name in zip(values, names, strict=True)]
    if not values:
        return None
    if command == "inverse":
        raise CLIError(
            f"--conditions {text}: this model was fitted without --condition-on, so its "
            "latents decode without conditions; leave --conditions out"
        )
    if not pairs:
        example = f"{column_labels(model)[0]}=VALUE"
        raise CLIError(
            f"--conditions {text}: this model was fitted without --condition-on, so "
            "--conditions takes column=value pairs, the values the rows are drawn with "
            f"(e.g. --conditions {example})"
        )
    split = (value.split("=", 1) for value in values)
    return {name.strip(): _value(value.strip(), model, name.strip()) for name, value in split}


def _value(value, model, name):
    """A number where ``value`` parses as one, True/False for a 0/1 (Bernoulli) column
    (as its table writes it), else the text (a category); the text itself for a column
    whose categories are text (codes read with --categorical: 02139, not 2139)."""
    labels = [str(label) for label in column_labels(model)]
    position = labels.index(name) if name in labels else None
    kind = None if position is None else model.column_kinds_[position]
    if kind == "bernoulli" and value.lower() in ("true", "false"):
        return value.lower() == "true"
    categories = None if position is None else model.categories_[position]
    if categories is not None and categories.dtype == object:
        return value
    try:
        return float(value)
    except ValueError:
        return value
