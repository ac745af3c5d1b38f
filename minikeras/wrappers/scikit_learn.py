"""scikit-learn estimators that build, train and score a minikeras model (Keras 2's wrappers).

    def build(hidden=32):
        model = Sequential([Dense(hidden, activation="relu", input_shape=(784,)),
                            Dense(10, activation="softmax")])
        model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
        return model

    search = GridSearchCV(KerasClassifier(build, epochs=1, verbose=0),
                          {"hidden": [16, 64], "batch_size": [32, 128]}, cv=3)

``build_fn`` makes a new compiled model each time the estimator is fitted. It is a function,
an object with ``__call__``, or None (then the subclass's own ``__call__`` builds it). The
other keyword arguments (*sk_params*) are shared out by name, as Keras 2 does: each method
receives those of the ``sk_params`` that its target accepts; the build function those of its
signature, ``fit`` those of ``model.fit`` (``epochs``, ``batch_size``, ...), ``predict`` those
of ``predict``, ``score`` those of ``evaluate``. A name that none of them accepts is an error.

scikit-learn is an optional extra: ``pip install "minikeras[sklearn]"``.
"""
import copy
import inspect
import types

import numpy as np

try:
    from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
except ImportError as error:  # pragma: no cover - exercised in a subprocess by the tests
    raise ImportError(
        "minikeras.wrappers.scikit_learn needs scikit-learn, which is not installed. Install it "
        'with:\n    pip install "minikeras[sklearn]"\n(or pip install scikit-learn).'
    ) from error

from minikeras.models.sequential import Sequential
from minikeras.utils.np_utils import to_categorical

__all__ = ["BaseWrapper", "KerasClassifier", "KerasRegressor"]


def _predict_classes(x, batch_size=32, verbose=0):
    """The signature of Keras 2's ``Sequential.predict_classes`` (what its sk_params take)."""


def _predict_proba(x, batch_size=32, verbose=0):
    """The signature of Keras 2's ``Sequential.predict_proba``."""


def _accepts(function, name):
    """Whether ``function`` takes a parameter ``name`` by keyword (``**kwargs`` does not count)."""
    parameter = inspect.signature(function).parameters.get(name)
    return parameter is not None and parameter.kind in (
        inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)


class BaseWrapper(BaseEstimator):
    """What the classifier and the regressor share: parameters, building and fitting.

    Args:
        build_fn: a function (or callable object) returning a compiled model; None to use
            the subclass's ``__call__``.
        **sk_params: arguments of the build function and of ``fit``, ``predict``,
            ``predict_proba`` and ``evaluate``, each passed where it is accepted.

    Raises:
        ValueError: for an sk_param that none of those functions accepts.
    """

    def __init__(self, build_fn=None, **sk_params):
        self.build_fn = build_fn
        self.sk_params = sk_params
        self.check_params(sk_params)

    def _build_target(self):
        """The function that builds the model; the sk_params that its signature names go to it.

        A function or method is called as it is; an object with ``__call__`` through it; a
        class (a ``Model`` subclass) is instantiated; None means the wrapper's own ``__call__``.
        """
        if self.build_fn is None:
            if not callable(self):
                raise TypeError(
                    f"{type(self).__name__}: build_fn is None, so the class must define __call__ "
                    "returning a compiled model."
                )
            return self.__call__
        if not callable(self.build_fn):
            raise TypeError(
                f"{type(self).__name__}: build_fn must be a function or a callable object returning a "
                f"compiled model; received {self.build_fn!r}."
            )
        if isinstance(self.build_fn, (types.FunctionType, types.MethodType, type)):
            return self.build_fn
        return self.build_fn.__call__

    def check_params(self, params):
        """Raise a ValueError for a parameter that no target function accepts."""
        targets = [Sequential.fit, Sequential.predict, _predict_classes, _predict_proba,
                   Sequential.evaluate, self._build_target()]
        for name in params:
            if name != "nb_epoch" and not any(_accepts(f, name) for f in targets):
                raise ValueError(
                    f"{type(self).__name__}: {name!r} is not a legal parameter: it is not an argument of "
                    "the build function, fit, predict, predict_proba or evaluate."
                )

    def get_params(self, deep=True, **params):
        """``build_fn`` and the sk_params (scikit-learn's ``clone`` rebuilds from them)."""
        # A shallow copy, where Keras 2 made a deep one: today's clone() checks that the new
        # estimator holds the very objects it was given, which a deep copy of a list breaks.
        result = dict(self.sk_params)
        result["build_fn"] = self.build_fn
        return result

    def set_params(self, **params):
        """Change sk_params (``GridSearchCV`` does this between fits)."""
        if "build_fn" in params:
            self.build_fn = params.pop("build_fn")
        self.check_params(params)
        self.sk_params.update(params)
        return self

    def filter_sk_params(self, fn, override=None):
        """The sk_params that ``fn`` accepts, updated with ``override``."""
        result = {name: value for name, value in self.sk_params.items() if _accepts(fn, name)}
        result.update(override or {})
        return result

    def fit(self, x, y, **kwargs):
        """Build a new model with ``build_fn`` and train it on ``(x, y)``.

        Returns the ``History`` of ``model.fit``, as Keras 2 does.
        """
        target = self._build_target()
        self.model = target(**self.filter_sk_params(target))
        if getattr(self.model, "optimizer", None) is None:
            raise ValueError(
                f"{type(self).__name__}: the build function must return a compiled model; received "
                f"{self.model!r:.100} (call model.compile(...) before returning it)."
            )
        if _loss_name(self.model) == "categorical_crossentropy" and np.ndim(y) != 2:
            y = to_categorical(y)
        fit_args = copy.deepcopy(self.filter_sk_params(Sequential.fit))
        fit_args.update(kwargs)
        return self.model.fit(x, y, **fit_args)


def _loss_name(model):
    loss = getattr(model, "loss", None)
    return getattr(loss, "__name__", loss)


class KerasClassifier(ClassifierMixin, BaseWrapper):
    """A scikit-learn classifier around a minikeras model.

    Labels may be any values (``classes_`` keeps them, sorted) or one-hot rows; the model
    sees class indices (one-hot rows when its loss is ``categorical_crossentropy``).
    ``score`` is the model's accuracy from ``evaluate``: compile it with
    ``metrics=['accuracy']``.

    Example:
        >>> from minikeras.layers import Dense
        >>> def build(units=8):
        ...     model = Sequential([Dense(units, activation="relu", input_shape=(2,)),
        ...                         Dense(2, activation="softmax")])
        ...     model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
        ...     return model
        >>> classifier = KerasClassifier(build, units=4, epochs=1, verbose=0)
        >>> _ = classifier.fit(np.random.rand(20, 2), np.array(["a", "b"] * 10))
        >>> classifier.predict(np.random.rand(3, 2)).shape, classifier.classes_.tolist()
        ((3,), ['a', 'b'])
    """

    def fit(self, x, y, sample_weight=None, **kwargs):
        """Train on ``(x, y)``; ``y`` holds labels (1-D or one column) or one-hot rows."""
        y = np.asarray(y)
        if y.ndim == 2 and y.shape[1] > 1:
            self.classes_ = np.arange(y.shape[1])
        elif y.ndim == 1 or (y.ndim == 2 and y.shape[1] == 1):
            self.classes_ = np.unique(y)
            y = np.searchsorted(self.classes_, y)
        else:
            raise ValueError(
                f"{type(self).__name__}.fit: invalid shape for y: {y.shape} (expected (n,), (n, 1) "
                "or (n, classes))."
            )
        self.n_classes_ = len(self.classes_)
        if sample_weight is not None:
            kwargs["sample_weight"] = sample_weight
        return super().fit(x, y, **kwargs)

    def predict(self, x, **kwargs):
        """The predicted labels (values of ``classes_``)."""
        kwargs = self.filter_sk_params(_predict_classes, kwargs)
        probabilities = self.model.predict(x, **kwargs)
        if probabilities.shape[-1] > 1:
            classes = probabilities.argmax(axis=-1)
        else:
            classes = (probabilities > 0.5).astype("int32").ravel()
        return self.classes_[classes]

    def predict_proba(self, x, **kwargs):
        """Class probabilities ``(n, n_classes)``; a single sigmoid output gives two columns."""
        kwargs = self.filter_sk_params(_predict_proba, kwargs)
        probabilities = self.model.predict(x, **kwargs)
        if probabilities.shape[1] == 1:
            probabilities = np.hstack([1 - probabilities, probabilities])
        return probabilities

    def score(self, x, y, **kwargs):
        """The model's accuracy on ``(x, y)`` (what ``GridSearchCV`` maximises by default)."""
        y = np.searchsorted(self.classes_, np.asarray(y))
        kwargs = self.filter_sk_params(Sequential.evaluate, kwargs)
        if _loss_name(self.model) == "categorical_crossentropy" and y.ndim != 2:
            y = to_categorical(y, num_classes=len(self.classes_))
        outputs = self.model.evaluate(x, y, **kwargs)
        outputs = outputs if isinstance(outputs, list) else [outputs]
        for name, output in zip(self.model.metrics_names, outputs):
            if name in ("acc", "accuracy"):
                return output
        raise ValueError(
            f"{type(self).__name__}.score: the model is not configured to compute accuracy; pass "
            "metrics=['accuracy'] to model.compile()."
        )


class KerasRegressor(RegressorMixin, BaseWrapper):
    """A scikit-learn regressor around a minikeras model.

    ``score`` is minus the loss from ``evaluate`` (scikit-learn maximises scores).
    """

    def predict(self, x, **kwargs):
        """The model's predictions, with axes of size 1 removed."""
        kwargs = self.filter_sk_params(Sequential.predict, kwargs)
        return np.squeeze(self.model.predict(x, **kwargs))

    def score(self, x, y, **kwargs):
        """``-loss`` on ``(x, y)``."""
        kwargs = self.filter_sk_params(Sequential.evaluate, kwargs)
        loss = self.model.evaluate(x, y, **kwargs)
        return -loss[0] if isinstance(loss, list) else -loss
