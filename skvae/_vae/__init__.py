"""The VAE estimators (``VAETransformer``, ``VAEOutlierDetector``, ``VAEImputer``), the
shared base they are built on, and their Keras model composed of parts (latent
structure, posterior, objective)."""
