"""The wheel, as a Python user meets it: pip-installed into a fresh virtual
environment, arrays in and out (run by .ci/run and crates/plainsight-py/test.sh)."""

import numpy as np
import pytest

import plainsight


def photo(height, width, seed):
    """A smooth, photo-like test image: gradients and soft waves."""
    y, x = np.mgrid[0:height, 0:width].astype(np.float64)
    channels = [
        128 + 80 * np.sin((x * (0.05 + 0.01 * c) + y * 0.03 + seed) * 1.3) * np.cos(y * 0.04 - seed)
        for c in range(3)
    ]
    return np.clip(np.stack(channels, axis=2), 0, 255).astype(np.uint8)


def psnr(a, b):
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return 10 * np.log10(255.0**2 / mse)


def test_models_are_listed():
    assert {"default-1", "default-3", "robust"} <= set(plainsight.models())


def test_hide_and_reveal_one_secret():
    cover, secret = photo(96, 128, 1), photo(96, 128, 2)
    container = plainsight.hide(cover, [secret])
    assert container.shape == cover.shape and container.dtype == np.uint8
    assert psnr(cover, container) > 30
    [revealed] = plainsight.reveal(container)
    assert revealed.shape == secret.shape
    assert psnr(secret, revealed) > 28


def test_three_secrets_and_a_key():
    cover = photo(64, 64, 3)
    secrets = [photo(64, 64, s) for s in (4, 5, 6)]
    container = plainsight.hide(cover, secrets, key="a long passphrase")
    right = plainsight.reveal(container, 3, key="a long passphrase")
    wrong = plainsight.reveal(container, 3, key="another passphrase")
    # The default, with a key or without, is the keyed layout: keyed-3 names it.
    named = plainsight.reveal(container, 3, model="keyed-3", key="a long passphrase")
    for secret, good, bad, same in zip(secrets, right, wrong, named):
        assert psnr(secret, good) > 22
        assert psnr(secret, bad) < psnr(secret, good) - 3
        assert np.array_equal(good, same)


def test_the_jpeg_model_reveals_its_secret_and_nothing_without_the_key():
    assert "jpeg-1" in plainsight.models()
    cover, secret = photo(96, 128, 9), photo(96, 128, 10)
    container = plainsight.hide(cover, [secret], model="jpeg-1", key="a long passphrase")
    assert psnr(cover, container) > 30
    [right] = plainsight.reveal(container, model="jpeg-1", key="a long passphrase")
    [wrong] = plainsight.reveal(container, model="jpeg-1", key="another passphrase")
    assert psnr(secret, right) > 24
    assert psnr(secret, wrong) < psnr(secret, right) - 10


def test_the_exact_layer_refines_the_reveal_until_a_bit_is_lost():
    cover, secret = photo(96, 128, 11), photo(96, 128, 12)
    plain = plainsight.hide(cover, [secret], model="jpeg-1")
    layered = plainsight.hide(cover, [secret], model="jpeg-1", exact_layer=1.0)
    [base] = plainsight.reveal(plain, model="jpeg-1")
    [refined] = plainsight.reveal(layered, model="jpeg-1")
    assert psnr(secret, refined) > psnr(secret, base) + 3
    # One flipped bit in the layer's header: reveal falls back to the network.
    damaged = layered.copy()
    damaged[0, 0, 0] ^= 1
    [fallback] = plainsight.reveal(damaged, model="jpeg-1")
    assert abs(psnr(secret, fallback) - psnr(secret, base)) < 1.5


def test_grey_alpha_and_other_sizes_are_converted():
    cover = photo(64, 80, 7)
    grey_secret = photo(30, 50, 8)[:, :, 0]
    rgba_cover = np.dstack([cover, np.full(cover.shape[:2], 255, np.uint8)])
    container = plainsight.hide(rgba_cover, [grey_secret])
    assert container.shape == (64, 80, 3)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: plainsight.hide(photo(32, 32, 1), []), "at least 1"),
        (lambda: plainsight.hide(photo(32, 32, 1), [photo(32, 32, 2)] * 4), "at most 3"),
        (lambda: plainsight.hide(photo(32, 32, 1).astype(np.float32), [photo(32, 32, 2)]), "uint8"),
        (lambda: plainsight.hide(photo(32, 32, 1), photo(32, 32, 2)), "list of images"),
        (lambda: plainsight.hide(photo(32, 32, 1), [photo(32, 32, 2)], model="nope"), "unknown model"),
        (lambda: plainsight.hide(photo(32, 32, 1), [photo(32, 32, 2)] * 2, model="robust"), "carries 1"),
        (lambda: plainsight.hide(photo(32, 32, 1), [photo(32, 32, 2)] * 2, model="jpeg-1"), "carries 1"),
        (lambda: plainsight.hide(photo(32, 32, 1), [photo(32, 32, 2)], key=""), "the key is empty"),
        (lambda: plainsight.hide(photo(32, 32, 1), [photo(32, 32, 2)], exact_layer=1.5), r"\(0, 1\]"),
        (lambda: plainsight.reveal(np.zeros((0, 4, 3), np.uint8)), "empty"),
        (lambda: plainsight.reveal(np.zeros((8, 8, 2), np.uint8)), "shape"),
    ],
)
def test_bad_input_raises_value_error(call, message):
    with pytest.raises(ValueError, match=message):
        call()
