from typing import List, Optional, Sequence

import numpy as np
import numpy.typing as npt

__version__: str

def hide(
    cover: npt.ArrayLike,
    secrets: Sequence[npt.ArrayLike],
    model: Optional[str] = None,
    key: Optional[str] = None,
    exact_layer: Optional[float] = None,
) -> npt.NDArray[np.uint8]: ...
def reveal(
    container: npt.ArrayLike,
    count: int = 1,
    model: Optional[str] = None,
    key: Optional[str] = None,
) -> List[npt.NDArray[np.uint8]]: ...
def models() -> List[str]: ...
