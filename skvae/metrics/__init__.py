"""How faithful synthetic rows are to real ones: marginals, dependence, utility and privacy.

Four views a user judges ``sample()`` by: per-column marginal distances (the two-sample
Kolmogorov-Smirnov statistic for continuous columns, total-variation distance for discrete
and categorical ones), the difference of the Pearson correlation matrices of the numeric
columns, the difference of the associations that involve categorical columns (Cramér's V
and the correlation ratio), and "train on synthetic, test on real" (TSTR) accuracy of a
classifier against training on real rows.

Two privacy checks ask whether the synthetic rows copy training rows, against real rows
the model never saw (a holdout): the distance to the closest training record of synthetic
and of holdout rows, and the ROC AUC of a distance-based membership-inference attack.

Every function takes NumPy arrays (all columns numeric) or two pandas DataFrames with the
same columns, which may mix numeric, boolean, categorical and string columns; polars
DataFrames and pyarrow Tables are converted to pandas first, so they behave alike. In a
frame, a column is *categorical* when its dtype is ``category``, ``object``, a string dtype
or a boolean dtype, and *numeric* otherwise; missing values (NaN in arrays; NaN, None,
``pd.NA`` in frames) are left out of each statistic. A statistic that cannot use an
infinite value (a correlation, a distance) raises a ValueError naming its column, and so
does a column with no observed value. Statistics that square values first scale each
column by a power of two, so rows in units near 1e300 or 1e-300 give the numbers they give
in ordinary units.
"""

from skvae.metrics._dependence import (
    association_difference,
    associations,
    correlation_difference,
    correlation_ratio,
    cramers_v,
)
from skvae.metrics._marginals import (
    MAX_DISCRETE_VALUES,
    ks_statistic,
    marginal_distances,
    total_variation,
)
from skvae.metrics._privacy import distance_to_closest_record, membership_inference_auc
from skvae.metrics._tstr import frame_classifier, tstr_accuracy

__all__ = [
    "MAX_DISCRETE_VALUES",
    "association_difference",
    "associations",
    "correlation_difference",
    "correlation_ratio",
    "cramers_v",
    "distance_to_closest_record",
    "frame_classifier",
    "ks_statistic",
    "marginal_distances",
    "membership_inference_auc",
    "total_variation",
    "tstr_accuracy",
]
