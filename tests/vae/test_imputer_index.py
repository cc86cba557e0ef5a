"""VAEImputer on pandas frames: what it returns lines up with the user's rows."""

import numpy as np
import pandas as pd
import pytest
from sklearn.model_selection import train_test_split

from skvae import VAEImputer


@pytest.mark.parametrize("with_category", [False, True])
def test_imputer_outputs_keep_the_index_of_the_users_frame(with_category):
    """VAEImputer.transform and multiple_imputations return X's pandas index (a shuffled
    test split's), also under set_output("pandas"), so that X.fillna(filled) fills every
    hole with its own row's value (about 2 a here); for the exact linear-Gaussian fill
    and the importance-sampled one (a frame with a category)."""
    rng = np.random.default_rng(0)
    z = rng.normal(size=300)
    frame = pd.DataFrame({"a": z, "b": 2 * z + 0.1 * rng.normal(size=300)})
    if with_category:
        frame["c"] = pd.Categorical(np.where(z > 0, "up", "down"))
    train, test = train_test_split(frame, test_size=0.2, random_state=0)
    test = test.copy()
    holes = test.index[:10]
    test.loc[holes, "b"] = np.nan
    imputer = VAEImputer(random_state=0).fit(train)
    filled = imputer.transform(test)
    draws = imputer.multiple_imputations(test, 2, random_state=0)
    # The mean fill is within 0.3 of 2 a in every row; a draw carries the model's noise
    # (about 0.5 here), so the draws are held to their median error. A row's value put in
    # another row would miss by about 2.
    for out, summary, tolerance in ((filled, np.max, 0.3), *((d, np.median, 0.8) for d in draws)):
        assert out.index.equals(test.index)
        merged = test.fillna(out)
        assert merged["b"].notna().all()
        assert summary(np.abs(merged.loc[holes, "b"] - 2 * test.loc[holes, "a"])) < tolerance
    imputer.set_output(transform="pandas")
    assert imputer.transform(test).index.equals(test.index)
