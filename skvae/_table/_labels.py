"""How error messages name a fitted table estimator's columns."""

import numpy as np


def column_labels(estimator, labels=None):
    """The columns of a fitted table estimator's X as errors name them: by name, by the
    fitted frame's column ``labels`` where they are not all strings (ints, tuples, which
    the estimator keeps), or by position in X.

    Examples
    --------
    >>> import pandas as pd
    >>> from skvae import VAETransformer
    >>> from skvae._table._labels import column_labels
    >>> frame = pd.DataFrame({"a": [0.0, 1.0, 2.0], "b": [1.0, 0.0, 3.0]})
    >>> column_labels(VAETransformer(max_iter=1, random_state=0).fit(frame)).tolist()
    ['a', 'b']
    >>> column_labels(None, [("a", 1), ("b", 2)]).tolist()
    [('a', 1), ('b', 2)]
    """
    if labels is not None:
        shown = np.empty(len(labels), dtype=object)  # tuples stay whole, one per column
        shown[:] = labels
        return shown
    n_features = estimator.n_features_in_
    return np.asarray(getattr(estimator, "feature_names_in_", np.arange(n_features)))
