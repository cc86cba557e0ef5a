"""The estimator classes that :func:`skvae.save` writes and :func:`skvae.load` rebuilds.

Each savable class registers itself where it is defined (``@savable``), so the file format
never imports the estimators (no import cycle) and never resolves a class from a name in a
file: ``load`` looks the name up in this fixed table, filled when skvae is imported.
"""

SAVABLE_ESTIMATORS = {}


def savable(cls):
    """Class decorator: let :func:`skvae.save` and :func:`skvae.load` handle ``cls``.

    Examples
    --------
    >>> from skvae._persistence._registry import SAVABLE_ESTIMATORS
    >>> sorted(SAVABLE_ESTIMATORS)
    ['VAEImputer', 'VAEOutlierDetector', 'VAETransformer', 'VQVAETransformer']
    """
    SAVABLE_ESTIMATORS[cls.__name__] = cls
    return cls
