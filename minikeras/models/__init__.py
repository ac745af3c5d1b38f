"""Models: ``Sequential``, the functional ``Model``, training, saving and the summary table.

    from minikeras.models import Sequential, Model, load_model, model_from_json
"""
from minikeras.models.functional import Model
from minikeras.models.saving import load_model, model_from_config, model_from_json, save_model
from minikeras.models.sequential import Sequential

__all__ = ["Model", "Sequential", "load_model", "save_model", "model_from_json", "model_from_config"]
