"""Recurrent layers: the ``RNN`` loop through time (``base_rnn.py``), ``StackedRNNCells``
(``stacked_cells.py``), the built-in cells' shared part (``base_cell.py``) and one cell per
module, each followed by its layer (``simple_rnn.py``, ``gru.py``, ``lstm.py``)."""
from minikeras.layers.recurrent.base_rnn import RNN
from minikeras.layers.recurrent.stacked_cells import StackedRNNCells
from minikeras.layers.recurrent.gru import GRU, GRUCell
from minikeras.layers.recurrent.lstm import LSTM, LSTMCell
from minikeras.layers.recurrent.simple_rnn import SimpleRNN, SimpleRNNCell

__all__ = ["RNN", "StackedRNNCells", "SimpleRNN", "SimpleRNNCell", "GRU", "GRUCell", "LSTM",
           "LSTMCell"]
