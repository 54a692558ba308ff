"""plainsight: hide up to three photographs inside a cover photograph with a neural
network, and reveal them again.

Images are NumPy ``uint8`` arrays of shape ``(H, W, 3)``; grey ``(H, W)`` and
``(H, W, 1)`` arrays are spread to RGB and an alpha channel (``(H, W, 4)``) is
dropped, as the command-line tool does. Errors raise ``ValueError`` with the
command-line tool's messages.

>>> import numpy as np, plainsight
>>> cover = np.full((64, 64, 3), 120, np.uint8)
>>> secret = np.full((64, 64, 3), 30, np.uint8)
>>> container = plainsight.hide(cover, [secret])
>>> [revealed] = plainsight.reveal(container)
"""

from typing import List, Optional, Sequence

import numpy as np

from . import _core

__version__ = _core.__version__
__all__ = ["hide", "reveal", "models"]


def _rgb(image, name: str) -> np.ndarray:
    array = np.asarray(image)
    if array.dtype != np.uint8:
        raise ValueError(f"{name}: expected a uint8 array (8-bit pixels), got {array.dtype}")
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[:, :, 0]
    if array.ndim == 2:
        array = np.stack([array] * 3, axis=2)
    if array.ndim != 3 or array.shape[2] not in (3, 4):
        raise ValueError(f"{name}: expected an H x W x 3 array (or grey H x W, or RGBA), got shape {array.shape}")
    if array.shape[0] == 0 or array.shape[1] == 0:
        raise ValueError(f"{name}: image is empty ({array.shape[1]}x{array.shape[0]})")
    return np.ascontiguousarray(array[:, :, :3])


def _array(data: bytes, width: int, height: int) -> np.ndarray:
    return np.frombuffer(data, np.uint8).reshape(height, width, 3).copy()


def hide(
    cover,
    secrets: Sequence,
    model: Optional[str] = None,
    key: Optional[str] = None,
    exact_layer: Optional[float] = None,
) -> np.ndarray:
    """Hides 1 to 3 secrets in ``cover`` and returns the container (the cover's size).

    A secret of another size is resized to exactly the cover's (Lanczos 3). Without
    ``model``, one secret uses ``keyed-1`` and two or three ``keyed-3``, key or no
    key; their key mixes the hidden code itself, and only the same key reveals the
    secrets. ``exact_layer`` (a share in (0, 1]) adds the exact layer in that share
    of the lowest bits (the CLI's default for PNG containers; here only when asked, since
    the array may yet be saved as JPEG): save such a container losslessly, or it is lost.
    """
    if isinstance(secrets, np.ndarray):
        raise ValueError("secrets: expected a list of images, got one array (write [secret])")
    cover = _rgb(cover, "cover")
    parts = []
    for i, secret in enumerate(secrets):
        secret = _rgb(secret, f"secret {i + 1}")
        parts.append((secret.tobytes(), secret.shape[1], secret.shape[0]))
    height, width = cover.shape[:2]
    data = _core.hide(cover.tobytes(), width, height, parts, model, key, exact_layer)
    return _array(data, width, height)


def reveal(container, count: int = 1, model: Optional[str] = None, key: Optional[str] = None) -> List[np.ndarray]:
    """Reveals ``count`` secrets from ``container``; the model and key must be the
    ones that hid them. An exact layer, wherever the container holds one, refines them."""
    container = _rgb(container, "container")
    height, width = container.shape[:2]
    return [_array(data, width, height) for data in _core.reveal(container.tobytes(), width, height, count, model, key)]


def models() -> List[str]:
    """The names of the embedded models."""
    return list(_core.models())
