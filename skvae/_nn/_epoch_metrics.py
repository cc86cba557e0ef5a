"""Per-epoch metric bookkeeping of Keras's fit loop at the cost of one compiled call.

Before every epoch Keras resets each metric of the model (two eager assigns per ``Mean``)
and after it reads each metric's result again (three eager ops per ``Mean``), although
the epoch's last compiled training call has just returned those very values. For a small
table, whose epoch is a single compiled call of a few milliseconds, that bookkeeping was
a quarter of the epoch (wine, 133 training rows: about 1.1 ms of resets and 0.85 ms of
reads in an 8.7 ms epoch; ``python -m cProfile`` of a later fit). Under TensorFlow, with
no distribution strategy, :class:`CheapEpochMetrics` resets all metrics in one compiled
call and takes the epoch's results from the last call's logs. Elsewhere it changes
nothing.
"""

import keras

from skvae._nn._graphs import compiled


def _fast_path(model):
    """Whether the shortcuts apply: TensorFlow, no strategy, and only ``Mean`` metrics
    (whose reset is all zeros and whose results are named after them)."""
    return (
        keras.backend.backend() == "tensorflow"
        and getattr(model, "_distribute_strategy", None) is None
        and all(isinstance(metric, keras.metrics.Mean) for metric in model.metrics)
    )


class CheapEpochMetrics:
    """Mixin for a ``keras.Model``: cheaper metric resets and epoch logs (see the module).

    Examples
    --------
    >>> import keras
    >>> import numpy as np
    >>> from skvae._nn._epoch_metrics import CheapEpochMetrics
    >>> class Model(CheapEpochMetrics, keras.Model):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.tracker = keras.metrics.Mean(name="tracked")
    >>> model = Model()
    >>> model.tracker.update_state(np.array([2.0, 4.0]))
    >>> float(model.tracker.result())
    3.0
    >>> model.reset_metrics()
    >>> float(model.tracker.count)
    0.0
    """

    def reset_metrics(self):
        if not _fast_path(self):
            return super().reset_metrics()
        variables = [variable for metric in self.metrics for variable in metric.variables]
        # The compiled reset captured the metric variables of its trace; compile() makes
        # new trackers, so it is traced again when they change.
        cached = self.__dict__.get("_skvae_reset_variables")
        if (
            cached is None
            or len(cached) != len(variables)
            or any(a is not b for a, b in zip(cached, variables, strict=True))
        ):
            self.__dict__["_skvae_reset_variables"] = variables
            self.__dict__.get("_skvae_graphs", {}).pop("zero_metric_variables", None)
        compiled(self.zero_metric_variables)()
        return None

    def zero_metric_variables(self):
        """Set every metric variable to zero (a ``Mean``'s reset); returns a dummy zero."""
        for variable in self.__dict__["_skvae_reset_variables"]:
            variable.assign(keras.ops.zeros(variable.shape, dtype=variable.dtype))
        return keras.ops.zeros(())

    def _get_metrics_result_or_logs(self, logs):
        # The logs of the epoch's last compiled call are the metrics' results after it: no
        # step runs after that call, and TensorFlow runs the calls of one device in order.
        if _fast_path(self) and isinstance(logs, dict) and logs:
            if set(logs) == {metric.name for metric in self.metrics}:
                return logs
        return super()._get_metrics_result_or_logs(logs)
