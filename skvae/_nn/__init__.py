"""The Keras side of skvae, shared by every model: what imports Keras lives here or in
the model modules of :mod:`skvae._vae` and :mod:`skvae._vqvae`.

Networks and their seeding (``_networks``), the :class:`~skvae._nn._config.NetworkConfig`
a VAE is built from (``_config``), the per-column observation models and their layout
(``_layout``), the one trainer (``_trainer``) with its data pipelines (``_batches``,
``_tf_data``, ``_streaming``) and distribution support (``_distribution``), and the
compiled prediction functions (``_graphs``, ``_tf_graph``, ``_jax_graph``,
``_prediction``). Importing this package imports nothing: its modules are loaded on first
use (``_lazy``), so ``import skvae`` stays free of Keras.
"""
