"""Keras 2's module path ``keras.layers.embeddings``: the ``Embedding`` layer lives in
``layers/core/embedding.py``."""
from minikeras.layers.core.embedding import Embedding

__all__ = ["Embedding"]
