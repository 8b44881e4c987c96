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
Stand-in for ``pycuda.compiler`` (pycuda/compiler.py): there is no nvcc in CI.

:class:`SourceModule` raises :class:`pycuda.driver.CompileError` as the real one does when
nvcc fails, so code under test exercises its CPU fallback.
"""

from pycuda.driver import CompileError


class SourceModule:
    """Compile CUDA C source (always fails in the stand-in)."""

    def __init__(self, source, nvcc='nvcc', options=None, keep=False, no_extern_c=False,
                 arch=None, code=None, cache_dir=None, include_dirs=()):
        raise CompileError('nvcc compilation failed: the pycuda stand-in cannot compile '
                           'kernels', command_line=f'{nvcc} --cubin', stderr='no GPU')

    def get_function(self, name):
        """Return a kernel by name."""
        raise NotImplementedError
