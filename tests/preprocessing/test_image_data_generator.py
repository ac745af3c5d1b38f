"""ImageDataGenerator and its iterator: Keras 2.2.4's draws, transforms, statistics and errors."""
import numpy as np
import pytest

from minikeras.preprocessing import image
from minikeras.preprocessing.image import ImageDataGenerator, NumpyArrayIterator
from minikeras.utils import Sequence


def images(n=12, h=6, w=5, c=1, seed=0):
    return np.random.default_rng(seed).random((n, h, w, c)).astype(np.float32)


def test_shift_ranges_float_int_and_list():
    shape = (10, 20, 1)
    fraction = ImageDataGenerator(width_shift_range=0.25, height_shift_range=0.5)
    params = [fraction.get_random_transform(shape) for _ in range(300)]
    assert max(abs(p["tx"]) for p in params) <= 5 and max(abs(p["tx"]) for p in params) > 4   # 0.5 * 10 rows
    assert max(abs(p["ty"]) for p in params) <= 5 and max(abs(p["ty"]) for p in params) > 4   # 0.25 * 20 cols
    pixels = ImageDataGenerator(width_shift_range=2.5)  # a float >= 1: pixels
    assert max(abs(pixels.get_random_transform(shape)["ty"]) for _ in range(300)) > 2
    whole = ImageDataGenerator(width_shift_range=2)     # an int: whole pixels in (-2, 2)
    assert {whole.get_random_transform(shape)["ty"] for _ in range(200)} == {-1, 0, 1}
    listed = ImageDataGenerator(height_shift_range=[3, 7])
    assert {listed.get_random_transform(shape)["tx"] for _ in range(200)} == {-7, -3, 3, 7}


def test_zoom_rotation_shear_and_flips_draws():
    gen = ImageDataGenerator(zoom_range=0.2, rotation_range=30, shear_range=5, horizontal_flip=True)
    assert gen.zoom_range == [0.8, 1.2]
    params = [gen.get_random_transform((4, 4, 1)) for _ in range(400)]
    assert all(0.8 <= p["zx"] <= 1.2 and 0.8 <= p["zy"] <= 1.2 and p["zx"] != p["zy"] for p in params)
    assert all(abs(p["theta"]) <= 30 and abs(p["shear"]) <= 5 for p in params)
    flips = np.mean([p["flip_horizontal"] for p in params])
    assert 0.4 < flips < 0.6 and not any(p["flip_vertical"] for p in params)
    assert ImageDataGenerator(zoom_range=[0.5, 1.5]).zoom_range == [0.5, 1.5]
    # a seed gives the same parameters again
    assert gen.get_random_transform((4, 4, 1), seed=3) == gen.get_random_transform((4, 4, 1), seed=3)


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_apply_transform_flips_and_shifts_in_both_formats(data_format):
    x = images(1, 4, 5, 2)[0]
    gen = ImageDataGenerator(data_format=data_format, fill_mode="constant", cval=-1)
    if data_format == "channels_first":
        x = np.moveaxis(x, -1, 0)
        rows, cols = 1, 2
    else:
        rows, cols = 0, 1
    np.testing.assert_array_equal(gen.apply_transform(x, {"flip_horizontal": True}), np.flip(x, cols))
    np.testing.assert_array_equal(gen.apply_transform(x, {"flip_vertical": True}), np.flip(x, rows))
    shifted = gen.apply_transform(x, {"tx": 1})  # reads one row further down; the last row is filled
    np.testing.assert_allclose(np.take(shifted, [0, 1, 2], axis=rows), np.take(x, [1, 2, 3], axis=rows))
    assert np.all(np.take(shifted, 3, axis=rows) == -1)
    shifted = gen.apply_transform(x, {"channel_shift_intensity": 0.1})
    np.testing.assert_allclose(shifted, np.clip(x + 0.1, x.min(), x.max()))


def test_both_formats_give_the_same_batches():
    x = images(8, 7, 6, 3)
    options = dict(rotation_range=20, width_shift_range=0.2, zoom_range=0.1, shear_range=10, horizontal_flip=True)
    last = ImageDataGenerator(**options, data_format="channels_last").flow(x, batch_size=4, seed=11)
    first = ImageDataGenerator(**options, data_format="channels_first").flow(np.moveaxis(x, -1, 1), batch_size=4, seed=11)
    np.testing.assert_allclose(np.moveaxis(first[1], 1, -1), last[1], atol=1e-6)


def test_standardize_order_and_featurewise_statistics():
    x = images(50, 5, 5, 3) * 255
    gen = ImageDataGenerator(featurewise_center=True, featurewise_std_normalization=True)
    with pytest.warns(UserWarning, match="featurewise_center, but it has not been fit"), \
            pytest.warns(UserWarning, match="featurewise_std_normalization, but"):
        unchanged = gen.standardize(x[0].copy())
    np.testing.assert_allclose(unchanged, x[0])
    gen.fit(x)
    assert gen.mean.shape == (1, 1, 3) and gen.std.shape == (1, 1, 3)
    np.testing.assert_allclose(gen.mean.ravel(), x.mean(axis=(0, 1, 2)), rtol=1e-5)
    out = np.stack([gen.standardize(image.copy()) for image in x])
    np.testing.assert_allclose(out.mean(axis=(0, 1, 2)), 0, atol=1e-4)
    np.testing.assert_allclose(out.std(axis=(0, 1, 2)), 1, atol=1e-4)

    calls = []
    def preprocess(image):
        calls.append(float(image.max()))  # before rescale
        return image + 1
    gen = ImageDataGenerator(preprocessing_function=preprocess, rescale=0.5, samplewise_std_normalization=True)
    assert gen.samplewise_center
    out = gen.standardize(np.array([[[1.0], [3.0]]], dtype=np.float32))
    assert calls == [3.0]
    np.testing.assert_allclose(out.ravel(), [-1, 1], atol=1e-6)   # (x + 1) / 2, centred, unit std


def test_zca_whitening_makes_the_covariance_the_identity():
    x = images(200, 2, 2, 1) * np.array([1.0, 5.0, 0.5, 2.0]).reshape(1, 2, 2, 1).astype(np.float32)
    gen = ImageDataGenerator(featurewise_center=True, zca_whitening=True, zca_epsilon=1e-9)
    gen.fit(x)
    flat = np.stack([gen.standardize(image.copy()) for image in x]).reshape(len(x), -1)
    np.testing.assert_allclose(flat.T @ flat / len(flat), np.eye(4), atol=1e-3)


def test_fit_with_augmentation_rounds():
    gen = ImageDataGenerator(featurewise_center=True, rotation_range=45)
    x = images(10)
    gen.fit(x, augment=True, rounds=3, seed=1)
    first = gen.mean.copy()
    gen.fit(x, augment=True, rounds=3, seed=1)
    np.testing.assert_array_equal(gen.mean, first)


def test_flow_is_a_sequence_and_an_endless_iterator():
    x, y = images(10), np.arange(10)
    iterator = ImageDataGenerator().flow(x, y, batch_size=4, shuffle=False)
    assert isinstance(iterator, Sequence) and isinstance(iterator, NumpyArrayIterator) and len(iterator) == 3
    batches = [next(iterator)[1].tolist() for _ in range(4)]
    assert batches == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9], [0, 1, 2, 3]]
    np.testing.assert_array_equal(iterator[1][0], x[4:8])
    assert iterator[2][0].dtype == np.float32
    with pytest.raises(ValueError, match="asked for batch 3, but the sequence has 3 batches"):
        iterator[3]
    shuffled = ImageDataGenerator().flow(x, y, batch_size=10, seed=0)
    labels = shuffled[0][1]
    assert sorted(labels.tolist()) == list(range(10)) and labels.tolist() != list(range(10))
    assert iter(shuffled) is shuffled  # as in Keras: `for batch in iterator` never ends


def test_flow_is_repeatable_with_a_seed_and_carries_weights_and_extra_arrays():
    x, y = images(9), np.arange(9)
    gen = ImageDataGenerator(rotation_range=40, zoom_range=0.3)
    first = gen.flow(x, y, batch_size=3, seed=5)
    second = gen.flow(x, y, batch_size=3, seed=5)
    for _ in range(4):
        a, b = next(first), next(second)
        np.testing.assert_array_equal(a[0], b[0])
        np.testing.assert_array_equal(a[1], b[1])
    xb, yb, wb = next(gen.flow(x, y, sample_weight=y * 10.0, batch_size=4, seed=0))
    np.testing.assert_array_equal(wb, yb * 10.0)
    (xb, extra), yb = next(gen.flow([x, y * 2], y, batch_size=4, seed=0))
    np.testing.assert_array_equal(extra, yb * 2)


def test_validation_split_subsets():
    x, y = images(20), np.tile([0, 1], 10)
    gen = ImageDataGenerator(validation_split=0.25)
    validation = gen.flow(x, y, batch_size=50, shuffle=False, subset="validation")
    training = gen.flow(x, y, batch_size=50, shuffle=False, subset="training")
    np.testing.assert_array_equal(validation[0][0], x[:5])    # Keras 2 keeps the first part
    np.testing.assert_array_equal(training[0][0], x[5:])
    with pytest.raises(ValueError, match="subset must be 'training' or 'validation'; received 'test'"):
        gen.flow(x, y, subset="test")


def test_random_transform_with_a_seed():
    x = images(1, 8, 8, 1)[0]
    gen = ImageDataGenerator(rotation_range=90)
    np.testing.assert_array_equal(gen.random_transform(x, seed=2), gen.random_transform(x, seed=2))
    assert not np.allclose(gen.random_transform(x, seed=2), x)
    assert image.apply_affine_transform is not None and image.Iterator is not None


@pytest.mark.parametrize("arguments, error, message", [
    (dict(zoom_range=[0.5, 1.0, 2.0]), ValueError, r"zoom_range should be a float or a tuple or list of two floats; received \[0.5, 1.0, 2.0\]"),
    (dict(zoom_range=[1.5, 0.5]), ValueError, "zoom_range must be \\[low, high\\] with low <= high"),
    (dict(zoom_range=1.0), ValueError, r"zoom factors must be > 0; zoom_range gives \[0.0, 2.0\]"),
    (dict(rotation_range="10"), TypeError, "rotation_range must be a number; received '10'"),
    (dict(rotation_range=-5), ValueError, "rotation_range must be >= 0.0; received -5"),
    (dict(width_shift_range=[[1, 2]]), ValueError, "width_shift_range as a list must be a non-empty 1-D list of numbers"),
    (dict(fill_mode="edge"), ValueError, r"fill_mode must be one of \['constant', 'nearest', 'reflect', 'wrap'\]; received 'edge'"),
    (dict(data_format="NHWC"), ValueError, "data_format must be 'channels_last' or 'channels_first'; received 'NHWC'"),
    (dict(validation_split=1.5), ValueError, "validation_split must be strictly between 0 and 1; received 1.5"),
    (dict(preprocessing_function=3), TypeError, "preprocessing_function must be a function of one image; received 3"),
    (dict(brightness_range=[0.5, 1.5]), NotImplementedError, "brightness_range is not supported"),
])
def test_bad_arguments_name_what_was_expected(arguments, error, message):
    with pytest.raises(error, match="ImageDataGenerator: " + message):
        ImageDataGenerator(**arguments)


def test_flow_with_images_of_the_wrong_rank_or_channels():
    gen = ImageDataGenerator()
    with pytest.raises(ValueError, match=r"flow: expected images of rank 4.*received an array of shape \(10, 28, 28\)"):
        gen.flow(np.zeros((10, 28, 28)))
    with pytest.raises(ValueError, match=r"channels are on axis 3 and should number 1, 3 or 4; received an array of shape \(10, 1, 28, 28\) \(28 channels\)"):
        gen.flow(np.zeros((10, 1, 28, 28)))
    with pytest.raises(ValueError, match="flow: x \\(images\\) and y \\(labels\\) should have the same length"):
        gen.flow(np.zeros((10, 4, 4, 1)), np.zeros(9))
    with pytest.raises(ValueError, match="flow: batch_size must be a positive integer; received 0"):
        gen.flow(np.zeros((10, 4, 4, 1)), batch_size=0)
    with pytest.raises(NotImplementedError, match="save_to_dir"):
        gen.flow(np.zeros((10, 4, 4, 1)), save_to_dir="/tmp")
    with pytest.raises(ValueError, match="ImageDataGenerator.fit: expected images of rank 4"):
        gen.fit(np.zeros((4, 4, 1)))
    with pytest.raises(ValueError, match=r"apply_transform: expected one image of rank 3; received shape \(2, 4, 4, 1\)"):
        gen.apply_transform(np.zeros((2, 4, 4, 1)), {"theta": 10})


FIXTURES = np.load(__import__("os").path.join(__import__("os").path.dirname(__file__), "..", "fixtures",
                                              "preprocessing_image.npz"))
KERAS_CASES = sorted({key.split("__")[0] for key in FIXTURES.files})


@pytest.mark.parametrize("case", KERAS_CASES)
def test_batches_equal_keras_2_with_the_same_seed(case):
    """The batches keras_preprocessing (scipy.ndimage) gives: same draws, matrices and resampling."""
    import json
    arguments = json.loads(str(FIXTURES[f"{case}__args"]))
    x, y = FIXTURES[f"{case}__x"], FIXTURES[f"{case}__y"]
    generator = ImageDataGenerator(**arguments["generator"])
    if arguments["fit"]:
        generator.fit(x, seed=1)
    np.random.seed(0)
    iterator = generator.flow(x, y, **arguments["flow"])
    batches = [next(iterator) for _ in range(3)] + [iterator[1]]
    for i, (bx, by) in enumerate(batches):
        np.testing.assert_array_equal(by, FIXTURES[f"{case}__batch{i}_y"])
        np.testing.assert_allclose(bx, FIXTURES[f"{case}__batch{i}_x"], rtol=1e-5, atol=1e-4 * max(1, np.abs(bx).max()))
