"""load_img / img_to_array / array_to_img / save_img, as Keras 2.2.4 and Keras 3 define them."""
import numpy as np
import pytest

PIL = pytest.importorskip("PIL")

from minikeras import utils  # noqa: E402
from minikeras.preprocessing import image  # noqa: E402


def test_a_digit_saved_and_loaded_back(tmp_path):
    digit = np.zeros((28, 28, 1), "float32")
    digit[4:24, 12:16, 0] = 255.0
    path = tmp_path / "digit.png"
    image.save_img(path, digit, scale=False)
    img = utils.load_img(path, color_mode="grayscale")
    assert img.size == (28, 28) and img.mode == "L"
    x = utils.img_to_array(img)
    assert x.dtype == np.float32 and x.shape == (28, 28, 1)
    np.testing.assert_array_equal(x, digit)
    assert image.img_to_array(img, data_format="channels_first").shape == (1, 28, 28)
    rgb = image.load_img(path, target_size=(14, 7))  # (height, width); rgb by default
    assert rgb.size == (7, 14) and image.img_to_array(rgb).shape == (14, 7, 3)
    assert image.load_img(path, grayscale=True).mode == "L"


def test_array_to_img_scales_to_0_255_as_keras():
    x = np.array([[[-1.0], [0.0]], [[1.0], [3.0]]])
    pixels = np.asarray(utils.array_to_img(x))
    np.testing.assert_array_equal(pixels, ((x[:, :, 0] + 1) / 4 * 255).astype("uint8"))  # shift, stretch
    assert np.asarray(utils.array_to_img(x + 1, scale=False)).max() == 4  # taken as they are
    colour = utils.array_to_img(np.random.default_rng(0).random((3, 5, 4)), data_format="channels_first")
    assert colour.mode == "RGB" and colour.size == (4, 5)
    assert utils.array_to_img(np.ones((2, 2, 4))).mode == "RGBA"


def test_errors_say_what_was_received(tmp_path):
    with pytest.raises(ValueError, match="rank 3.*\\(2, 2\\)"):
        utils.array_to_img(np.zeros((2, 2)))
    with pytest.raises(ValueError, match="1, 3 or 4 channels, received 2"):
        utils.array_to_img(np.zeros((2, 2, 2)))
    with pytest.raises(ValueError, match="color_mode"):
        utils.load_img(tmp_path / "x.png", color_mode="cmyk")
    with pytest.raises(ValueError, match="file_format"):
        utils.save_img(tmp_path / "picture.unknown", np.zeros((2, 2, 1)))
    with pytest.raises(ValueError, match="rank 2 or 3"):
        utils.img_to_array(np.zeros((1, 2, 2, 1)))
    utils.save_img(tmp_path / "photo.jpg", np.ones((4, 4, 4)))  # RGBA as JPEG: alpha dropped
    assert utils.load_img(tmp_path / "photo.jpg").mode == "RGB"
