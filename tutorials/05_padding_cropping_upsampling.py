# %% [markdown]
# # Lesson 5: padding, cropping, upsampling and the transposed convolution
#
# Convolutions and pooling make images smaller. Four layers change the size on purpose:
#
# | layer | what it does to an H x W image |
# | --- | --- |
# | `ZeroPadding2D(p)` | adds `p` rows/columns of zeros on each side: (H + 2p) x (W + 2p) |
# | `Cropping2D(c)` | removes `c` rows/columns on each side: (H - 2c) x (W - 2c) |
# | `UpSampling2D(s)` | repeats every pixel s x s times (or interpolates, `bilinear`): sH x sW |
# | `Conv2DTranspose(f, k, strides=s)` | each input pixel *paints* a k x k patch of learned weights, s pixels apart: (H - 1)s + k |
#
# We first watch each one act on a digit, then build a small convolutional autoencoder that
# squeezes digits through a small code and grows them back, with all four layers in it.
#
#     python tutorials/05_padding_cropping_upsampling.py            # 3 epochs on 12,000 images: a few minutes
#     python tutorials/05_padding_cropping_upsampling.py --quick    # seconds
#
# Figures go to `tutorials/figures/05_padding_cropping_upsampling/`.

# %%
import time

import matplotlib.pyplot as plt
import numpy as np

from lesson_setup import Lesson
from minikeras import optimizers
from minikeras.datasets import mnist
from minikeras.layers import (Conv2D, Conv2DTranspose, Cropping2D, MaxPooling2D, UpSampling2D,
                              ZeroPadding2D)
from minikeras.models import Sequential
from minikeras.utils import plotting

lesson = Lesson("05_padding_cropping_upsampling",
                "Lesson 5: padding, cropping, upsampling, transposed convolution; an autoencoder.")
np.random.seed(5)

(x_train, _), (x_test, y_test) = mnist.load_data()
x_train = x_train[..., None].astype("float32") / 255   # (n, 28, 28, 1)
x_test = x_test[..., None].astype("float32") / 255
digit = x_test[:1]                                       # one digit, as a batch of one

# %% [markdown]
# ## Four layers on one digit
#
# The transposed convolution gets fixed weights here (all ones, no bias) so that we can
# see its mechanics: with a 2x2 kernel and stride 2 the patches tile the output exactly,
# which is nearest-neighbour upsampling; with a 3x3 kernel and stride 2 neighbouring
# patches overlap on every other row and column, which are painted twice: the
# checkerboard pattern that trained transposed convolutions must learn to avoid.
# All pictures are drawn on the same pixel scale, so their sizes compare.

# %%
examples = [
    ("the digit", None),
    ("ZeroPadding2D(4)", ZeroPadding2D(padding=4)),
    ("Cropping2D(4)", Cropping2D(cropping=((4, 4), (4, 4)))),
    ("UpSampling2D(2)", UpSampling2D(size=(2, 2))),
    ("UpSampling2D(2,\nbilinear)", UpSampling2D(size=(2, 2), interpolation="bilinear")),
    ("Conv2DTranspose\n2x2, stride 2, ones", Conv2DTranspose(1, (2, 2), strides=2, use_bias=False,
                                                            kernel_initializer="ones")),
    ("Conv2DTranspose\n3x3, stride 2, ones", Conv2DTranspose(1, (3, 3), strides=2, use_bias=False,
                                                            kernel_initializer="ones")),
]
outputs = [digit[0, :, :, 0] if layer is None else np.asarray(layer(digit))[0, :, :, 0]
           for _, layer in examples]
for (name, _), image in zip(examples, outputs):
    print(f"{name.replace(chr(10), ' '):38s} {digit.shape[1:3]} -> {image.shape}")
largest = max(image.shape[0] for image in outputs)
figure, axes = plt.subplots(1, len(examples), figsize=(2.2 * len(examples), 3.1), layout="constrained")
for ax, (name, _), image in zip(axes, examples, outputs):
    size = image.shape[0]
    offset = (largest - size) / 2  # centre the picture in a frame as large as the largest
    ax.imshow(image, cmap="gray_r", extent=(offset - 0.5, offset + size - 0.5, offset + size - 0.5, offset - 0.5))
    ax.add_patch(plt.Rectangle((offset - 0.5, offset - 0.5), size, size, fill=False, edgecolor="tab:blue"))
    ax.set_xlim(-1, largest)
    ax.set_ylim(largest, -1)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(f"{name}\n{size}x{size}", fontsize=9)
lesson.save(figure, "layers_on_a_digit.png")
np.testing.assert_array_equal(outputs[5], outputs[3])  # the 2x2 transposed convolution of ones = nearest upsampling

# %% [markdown]
# ## A convolutional autoencoder
#
# An autoencoder learns to give back its input through a narrow middle: the **encoder**
# shrinks a digit to a code of 8x8x8 = 512 numbers, the **decoder** grows the code back to
# an image, and the loss compares the result with the input (binary cross-entropy, one
# term per pixel, since the pixels are in [0, 1]). To fit the digit through two halvings we
# pad 28x28 to 32x32 first and crop the 32x32 result back to 28x28 at the end:
#
#     28 -ZeroPadding2D-> 32 -Conv,Pool-> 16 -Conv,Pool-> 8  (the code)
#      8 -Conv2DTranspose stride 2-> 16 -UpSampling2D-> 32 -Conv-> 32 -Cropping2D-> 28

# %%
autoencoder = Sequential([
    ZeroPadding2D(padding=2, input_shape=(28, 28, 1)),
    Conv2D(16, (3, 3), activation="relu", padding="same"),
    MaxPooling2D((2, 2)),
    Conv2D(8, (3, 3), activation="relu", padding="same"),
    MaxPooling2D((2, 2)),
    Conv2DTranspose(8, (3, 3), strides=2, activation="relu", padding="same"),
    UpSampling2D((2, 2)),
    Conv2D(1, (3, 3), activation="sigmoid", padding="same"),
    Cropping2D(cropping=2),
])
# A learning rate 5 times Adam's default: this small network (2,000 weights) takes large
# steps well, and its first job, turning the grey start into white paper, goes faster.
autoencoder.compile(optimizer=optimizers.Adam(learning_rate=0.005), loss="binary_crossentropy")
autoencoder.summary()

# %% [markdown]
# ## Training: the input is also the target

# %%
train_count, epochs = (2000, 1) if lesson.quick else (12000, 3)
shown = x_test[:10]
before = np.asarray(autoencoder.predict(shown))
start = time.time()
history = autoencoder.fit(x_train[:train_count], x_train[:train_count], batch_size=32, epochs=epochs,
                          validation_data=(x_test[:1000], x_test[:1000]), verbose=2)
print(f"Training time: {time.time() - start:.1f}s")
after = np.asarray(autoencoder.predict(shown))
error_before = float(np.mean((before - shown) ** 2))
error_after = float(np.mean((after - shown) ** 2))
print(f"mean squared error per pixel on 10 test digits: before training {error_before:.4f}, "
      f"after {error_after:.4f}")

figure = plotting.plot_history(history, title="autoencoder: binary cross-entropy per pixel")
lesson.save(figure, "learning_curves.png")

# %% [markdown]
# ## Before and after
#
# Top: test digits the autoencoder never trained on. Middle: what the untrained network
# gives back (grey mush: its weights are random). Bottom: after training, the digits come
# back through a code two-thirds their size, a little blurred: the code keeps the shape
# and loses the fine detail.

# %%
rows = [("test digits", shown), ("before training", before), ("after training", after)]
figure, axes = plt.subplots(3, len(shown), figsize=(1.25 * len(shown) + 0.6, 4.3), layout="constrained")
for r, (label, images) in enumerate(rows):
    for c in range(len(shown)):
        ax = axes[r, c]
        ax.imshow(images[c, :, :, 0], cmap="gray_r", vmin=0, vmax=1)
        ax.set_xticks([])
        ax.set_yticks([])
        if c == 0:
            ax.set_ylabel(label, fontsize=9)
figure.suptitle(f"reconstructions: mean squared error {error_before:.3f} before, {error_after:.3f} after")
lesson.save(figure, "reconstructions.png")

# %%
print(f"Reconstruction error: {error_before:.4f} before training, {error_after:.4f} after")
lesson.finish()
