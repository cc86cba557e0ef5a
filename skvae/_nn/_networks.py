"""The dense networks of skvae's models, with explicitly seeded initialisers.

Shared by the VAE (:mod:`skvae._vae._model`) and the VQ-VAE (:mod:`skvae._vqvae._model`).
Every initialiser takes its seed from an iterator the model draws from one
``numpy.random.SeedSequence``, so building a model never touches a global generator and the
same seed always gives the same weights.

Every layer, input and model gets its dtype policy explicitly ("float32" unless the
estimator's ``dtype_policy`` says otherwise): Keras's global settings
(``keras.config.set_dtype_policy``, ``set_floatx``) are the user's, for the user's own
models, and must not change skvae's (under a global "mixed_float16" a float32 fit diverged,
and under floatx "float64" TensorFlow refused to mix the two).
"""

import keras
import numpy as np
from keras import layers


def mlp(inputs, sizes, activation, seeds, name, dtype="float32"):
    """Stack of Dense layers with explicitly seeded initialisers (no global RNG use).

    ``dtype`` is the layers' Keras dtype policy.

    Examples
    --------
    >>> import keras
    >>> from skvae._nn._networks import mlp
    >>> x = keras.Input(shape=(4,))
    >>> h = mlp(x, (8, 3), "relu", iter(range(10)), "demo")
    >>> tuple(h.shape)
    (None, 3)
    """
    h = inputs
    for i, size in enumerate(sizes):
        h = layers.Dense(
            size,
            activation=activation,
            kernel_initializer=keras.initializers.GlorotUniform(seed=next(seeds)),
            name=f"{name}_hidden_{i}",
            dtype=dtype,
        )(h)
    return h


def dense(units, seed, name, bias=None, dtype="float32"):
    """A linear Dense layer with a seeded Glorot kernel and a zero (or given) bias.

    Examples
    --------
    >>> from skvae._nn._networks import dense
    >>> dense(3, seed=0, name="out").units
    3
    """
    bias_initializer = "zeros" if bias is None else keras.initializers.Constant(bias)
    return layers.Dense(
        units,
        kernel_initializer=keras.initializers.GlorotUniform(seed=seed),
        bias_initializer=bias_initializer,
        name=name,
        dtype=dtype,
    )


def as_float32(outputs, dtype, name):
    """The network outputs cast to float32 when the layers compute in lower precision.

    Under a mixed dtype policy every likelihood, KL and log-determinant is then computed
    in float32 from float32 inputs; under float32 the outputs pass unchanged (no layer is
    added, so the float32 network is exactly the one it always was).

    Examples
    --------
    >>> import keras
    >>> from skvae._nn._networks import as_float32
    >>> x = keras.Input(shape=(2,))
    >>> as_float32([x], "float32", "demo")[0] is x
    True
    """
    if keras.dtype_policies.get(dtype).compute_dtype == "float32":
        return outputs
    return [
        layers.Activation("linear", dtype="float32", name=f"{name}_{i}_float32")(out)
        for i, out in enumerate(outputs)
    ]


def build_encoder(n_inputs, n_components, hidden_layer_sizes, activation, seeds, dtype="float32"):
    """Encoder network [x, c] -> (z_mean, z_log_var) of the diagonal Gaussian q(z|x, c).

    ``dtype`` is the layers' dtype policy; the outputs are float32 whatever it is.

    Examples
    --------
    >>> from skvae._nn._networks import build_encoder
    >>> encoder = build_encoder(5, 2, (8,), "relu", iter(range(10)))
    >>> [tuple(out.shape) for out in encoder.outputs]
    [(None, 2), (None, 2)]
    """
    x = keras.Input(shape=(n_inputs,), dtype="float32", name="x")
    h = mlp(x, hidden_layer_sizes, activation, seeds, "encoder", dtype)
    z_mean = dense(n_components, next(seeds), "z_mean", dtype=dtype)(h)
    z_log_var = dense(n_components, next(seeds), "z_log_var", dtype=dtype)(h)
    return keras.Model(x, as_float32([z_mean, z_log_var], dtype, "encoder"), name="encoder")


def build_decoder(
    n_outputs, n_components, hidden_layer_sizes, activation, seeds, bias=None, dtype="float32"
):
    """Decoder network z -> parameters of p(x|z), laid out as in :mod:`skvae._nn._layout`.

    The hidden layers mirror the encoder's (``hidden_layer_sizes`` reversed). ``bias``
    initialises the output layer's bias (zeros if None); ``dtype`` is the layers' dtype
    policy (the output is float32 whatever it is).

    Examples
    --------
    >>> from skvae._nn._networks import build_decoder
    >>> decoder = build_decoder(5, 2, (8,), "relu", iter(range(10)))
    >>> tuple(decoder.output.shape)
    (None, 5)
    """
    z = keras.Input(shape=(n_components,), dtype="float32", name="z")  # with the conditions
    h = mlp(z, tuple(reversed(hidden_layer_sizes)), activation, seeds, "decoder", dtype)
    has_bias = bias is not None and np.any(bias)
    out = dense(n_outputs, next(seeds), "x_param", np.asarray(bias) if has_bias else None, dtype)(h)
    return keras.Model(z, as_float32([out], dtype, "decoder")[0], name="decoder")


def seed_stream(seed):
    """An iterator of 31-bit seeds drawn from ``numpy.random.SeedSequence(seed)``.

    31 bits: some backends (PyTorch) keep seed state as int32.

    Examples
    --------
    >>> from skvae._nn._networks import seed_stream
    >>> seeds = seed_stream(0)
    >>> next(seeds) == next(seed_stream(0))
    True
    """
    return iter(int(s) >> 1 for s in np.random.SeedSequence(seed).generate_state(64))
