"""Sequence: Keras 2's batch-by-index dataset."""
import numpy as np
import pytest

import minikeras
from minikeras.utils import Sequence


class Squares(Sequence):
    def __init__(self):
        self.epochs = 0

    def __len__(self):
        return 3

    def __getitem__(self, index):
        return np.full((2, 1), index ** 2), np.array([index, index])

    def on_epoch_end(self):
        self.epochs += 1


def test_iteration_visits_every_batch_once_in_order():
    data = Squares()
    assert [int(x[0, 0]) for x, _ in data] == [0, 1, 4]
    data.on_epoch_end()
    assert data.epochs == 1 and minikeras.utils.sequence.Sequence is Sequence


def test_missing_methods_name_the_subclass():
    class Empty(Sequence):
        pass
    with pytest.raises(NotImplementedError, match=r"Empty must implement __len__\(\)"):
        len(Empty())
    with pytest.raises(NotImplementedError, match=r"Empty must implement __getitem__\(index\)"):
        Empty()[0]
    assert Empty().on_epoch_end() is None
