"""Exact derivatives of trained networks (ONNX, MATLAB genFunction) for numpy arrays."""

import os
from typing import List, Literal, Optional, Sequence, Tuple, Union

import numpy as np
import numpy.typing as npt

__version__: str

ArrayLike = npt.ArrayLike
Float64Array = npt.NDArray[np.float64]
Reduce = Literal["mean_abs", "mean", "rms", "max_abs"]

class Error(ValueError):
    """Bad input: a file that cannot be loaded, an unsupported operator, an unknown output,
    an array of the wrong shape or type, a point the model cannot evaluate. The message is
    the Rust library's."""

# Stub-only base: the two classes have these methods each (there is no runtime base class).
class _Differentiable:
    @property
    def input_len(self) -> int:
        """Number of input values per point (n): the width of X."""
    @property
    def output_len(self) -> int:
        """Number of output values per point (m)."""
    @property
    def input_names(self) -> List[str]: ...
    @property
    def output_names(self) -> List[str]: ...
    def forward(self, X: ArrayLike, *, threads: Optional[int] = None) -> Float64Array:
        """Outputs at X: (n,) -> (m,), (batch, n) -> (batch, m)."""
    def jacobian(
        self, X: ArrayLike, *, threads: Optional[int] = None
    ) -> Tuple[Float64Array, Float64Array]:
        """(Y, J): (n,) -> ((m,), (m, n)); (batch, n) -> ((batch, m), (batch, m, n))."""
    def jvp(
        self, X: ArrayLike, V: ArrayLike, *, threads: Optional[int] = None
    ) -> Tuple[Float64Array, Float64Array]:
        """(Y, J·V), V of X's shape: (n,) -> ((m,), (m,)); (batch, n) -> ((batch, m), (batch, m))."""
    def sensitivity(
        self,
        X: ArrayLike,
        reduce: Reduce = "mean_abs",
        *,
        block: Optional[int] = None,
        threads: Optional[int] = None,
    ) -> Float64Array:
        """The (m, n) reduction of every point's Jacobian, computed block by block."""

class Model(_Differentiable):
    """An ONNX network: Model(path or bytes, output=None)."""
    def __init__(
        self,
        source: Union[str, "os.PathLike[str]", bytes, bytearray, memoryview],
        output: Optional[str] = None,
    ) -> None: ...
    @property
    def output(self) -> str:
        """Name of the output being differentiated."""
    @property
    def input_shape(self) -> Tuple[int, ...]: ...
    @property
    def output_shape(self) -> Tuple[int, ...]: ...

class ShallowNet(_Differentiable):
    """A MATLAB genFunction network: ShallowNet(path)."""
    def __init__(self, path: Union[str, "os.PathLike[str]"]) -> None: ...
    @classmethod
    def from_source(cls, text: str) -> "ShallowNet": ...
    @property
    def name(self) -> str:
        """The MATLAB function's name."""

__all__: Sequence[str]
