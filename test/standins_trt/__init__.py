# Copyright 2026 The jetson_dnn_ros Authors
#
# Licensed under the Apache License, Version 2.0 (the "License");
# you may not use this file except in compliance with the License.
# You may obtain a copy of the License at
#
#     http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS,
# WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
# See the License for the specific language governing permissions and
# limitations under the License.

"""
Stand-ins for ``tensorrt`` and ``pycuda`` and the context manager that installs them.

The packages ``tensorrt`` and ``pycuda`` in this folder are put on ``sys.path`` only inside
:func:`installed`, and only when the real TensorRT is absent (the stand-in TensorRT needs the
stand-in pycuda, so both go in together). Afterwards every ``tensorrt``/``pycuda*`` entry of
``sys.modules`` is removed and the previous ones restored, so nothing leaks into other tests.
"""

from contextlib import contextmanager
import importlib
import importlib.util
from pathlib import Path
import sys

HERE = str(Path(__file__).resolve().parent)
_NAMES = ('tensorrt', 'pycuda')


def _ours(name):
    return name in _NAMES or name.split('.')[0] in _NAMES


def real_tensorrt_present() -> bool:
    """Return True if a real (non-stand-in) ``tensorrt`` is importable."""
    if any(_ours(n) and HERE in str(getattr(m, '__file__', '') or '')
           for n, m in sys.modules.items()):
        return False
    spec = importlib.util.find_spec('tensorrt')
    return spec is not None and HERE not in str(spec.origin or '')


@contextmanager
def installed():
    """Yield ``(tensorrt, pycuda.driver)`` stand-ins, restoring ``sys.modules`` afterwards."""
    saved = {n: m for n, m in sys.modules.items() if _ours(n)}
    for name in saved:
        del sys.modules[name]
    sys.path.insert(0, HERE)
    try:
        trt = importlib.import_module('tensorrt')
        cuda = importlib.import_module('pycuda.driver')
        importlib.import_module('pycuda.compiler')
        assert HERE in trt.__file__ and HERE in cuda.__file__
        yield trt, cuda
    finally:
        sys.path.remove(HERE)
        for name in [n for n in sys.modules if _ours(n)]:
            del sys.modules[name]
        sys.modules.update(saved)
