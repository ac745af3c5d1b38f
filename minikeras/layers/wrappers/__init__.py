"""Layer wrappers: ``TimeDistributed`` (a layer applied to every timestep) and
``Bidirectional`` (a recurrent layer run both ways)."""
from minikeras.layers.wrappers.bidirectional import Bidirectional
from minikeras.layers.wrappers.time_distributed import TimeDistributed

__all__ = ["TimeDistributed", "Bidirectional"]
