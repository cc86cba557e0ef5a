"""The vector-quantised autoencoder: ``VQVAETransformer`` and its Keras model."""


def __getattr__(name):
    # Pickles written by skvae 0.1 find the class as skvae._vqvae.VQVAETransformer (then a
    # module, now this package); imported on demand, so the package itself imports nothing.
    if name == "VQVAETransformer":
        from skvae._vqvae._transformer import VQVAETransformer

        return VQVAETransformer
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
