"""The vector-quantised autoencoder: ``VQVAETransformer`` and its Keras model."""
