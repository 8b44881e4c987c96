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
Stand-in for ``pycuda.driver`` that simulates one CUDA device in host memory.

Mirrors pycuda's ``pycuda/driver.py`` and the C++ wrapper ``src/wrapper/_pycuda.cpp`` (class
and function names, argument order, the per-thread context stack, the ``pagelocked_empty``
array whose ``.base`` is a ``HostAllocation``). Device memory is simulated with host
``bytearray`` objects keyed by fake device pointers; mapped pinned memory aliases the host
array, as on an integrated GPU. Module-level counters (:func:`live_allocations`) let leak
tests check that every allocation is freed, and :data:`context_log` records pushes and pops.

Knobs for tests (monkeypatch them): :data:`INTEGRATED`, :data:`CAN_MAP_HOST_MEMORY`,
:data:`DEVICE_NAME`, :data:`COMPUTE_CAPABILITY`, :data:`MULTIPROCESSOR_COUNT`,
:data:`DEVICE_COUNT`.
"""

import bisect
import threading
import time

import numpy as np

DEVICE_NAME = 'Stand-in Orin (simulated)'
COMPUTE_CAPABILITY = (8, 7)
MULTIPROCESSOR_COUNT = 16
DEVICE_COUNT = 1
INTEGRATED = 0
CAN_MAP_HOST_MEMORY = 1
TOTAL_MEMORY = 8 << 30

_lock = threading.RLock()
_initialised = False
_tls = threading.local()
_regions = {}            # base pointer -> memoryview of the bytes behind it
_bases = []              # sorted base pointers
_next_ptr = 0x7F0000000000
_counts = {'device': 0, 'host': 0}
context_log = []
"""Every push/pop as ``(action, thread name, stack depth after)``."""


class Error(Exception):
    """Base of pycuda's exceptions (``pycuda._driver.Error``)."""


class LogicError(Error):
    """A CUDA call made in a state that does not allow it (no context, freed memory)."""


class MemoryError(Error):  # noqa: A001 - pycuda's own name
    """An allocation failed."""


class CompileError(Error):
    """nvcc failed (``pycuda.driver.CompileError``)."""

    def __init__(self, msg, command_line='', stdout=None, stderr=None):
        super().__init__(msg)
        self.msg, self.command_line, self.stdout, self.stderr = msg, command_line, stdout, stderr


class device_attribute:  # noqa: N801 - pycuda's spelling
    """The ``CUdevice_attribute`` values the backend reads."""

    MULTIPROCESSOR_COUNT = 16
    INTEGRATED = 18
    CAN_MAP_HOST_MEMORY = 19
    COMPUTE_CAPABILITY_MAJOR = 75
    COMPUTE_CAPABILITY_MINOR = 76


class host_alloc_flags:  # noqa: N801
    """``cuMemHostAlloc`` flags."""

    PORTABLE = 1
    DEVICEMAP = 2
    WRITECOMBINED = 4


class ctx_flags:  # noqa: N801
    """``cuCtxCreate`` flags."""

    SCHED_AUTO = 0
    MAP_HOST = 8


def init(flags=0):
    """Initialise the driver (``cuInit``)."""
    global _initialised
    _initialised = True


def _check_init():
    if not _initialised:
        raise LogicError('cuInit has not been called (call pycuda.driver.init())')


def _stack():
    if not hasattr(_tls, 'stack'):
        _tls.stack = []
    return _tls.stack


def _require_context(what):
    stack = _stack()
    if not stack or not stack[-1]._valid:
        raise LogicError(f'{what} failed: invalid device context - no currently active context?')
    return stack[-1]


def live_allocations():
    """Return ``{'device': n, 'host': n}``: allocations not freed yet (stand-in only)."""
    with _lock:
        return dict(_counts)


def _register(view, kind):
    global _next_ptr
    with _lock:
        ptr = _next_ptr
        _next_ptr += ((max(1, view.nbytes) + 255) // 256 + 1) * 256
        _regions[ptr] = view
        bisect.insort(_bases, ptr)
        _counts[kind] += 1
    return ptr


def _unregister(ptr, kind):
    with _lock:
        if ptr in _regions:
            del _regions[ptr]
            _bases.remove(ptr)
            _counts[kind] -= 1


def _view(ptr, nbytes):
    """Return a writable memoryview of ``nbytes`` at device pointer ``ptr``."""
    ptr = int(ptr)
    with _lock:
        i = bisect.bisect_right(_bases, ptr) - 1
        if i < 0:
            raise LogicError(f'invalid device pointer {ptr:#x}')
        base = _bases[i]
        region = _regions[base]
        offset = ptr - base
        if offset + nbytes > region.nbytes:
            raise LogicError(f'access of {nbytes} bytes at {ptr:#x} overruns its allocation '
                             f'of {region.nbytes} bytes (CUDA_ERROR_ILLEGAL_ADDRESS)')
        return region[offset:offset + nbytes]


def device_view(ptr, shape, dtype):
    """Return a numpy view of simulated device memory (stand-in only; used by tensorrt)."""
    dtype = np.dtype(dtype)
    nbytes = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    return np.frombuffer(_view(ptr, nbytes), dtype).reshape(shape)


class Device:
    """One CUDA device (``pycuda.driver.Device``)."""

    def __init__(self, ordinal):
        _check_init()
        if not 0 <= int(ordinal) < DEVICE_COUNT:
            raise LogicError(f'cuDeviceGet failed: invalid device ordinal {ordinal}')
        self.ordinal = int(ordinal)
        self._primary = None

    @staticmethod
    def count():
        """Return the number of devices."""
        _check_init()
        return DEVICE_COUNT

    def name(self):
        """Return the device name."""
        return DEVICE_NAME

    def compute_capability(self):
        """Return (major, minor)."""
        return tuple(COMPUTE_CAPABILITY)

    def total_memory(self):
        """Return the device memory in bytes."""
        return TOTAL_MEMORY

    def get_attribute(self, attr):
        """Return one ``device_attribute``."""
        values = {device_attribute.INTEGRATED: INTEGRATED,
                  device_attribute.CAN_MAP_HOST_MEMORY: CAN_MAP_HOST_MEMORY,
                  device_attribute.MULTIPROCESSOR_COUNT: MULTIPROCESSOR_COUNT,
                  device_attribute.COMPUTE_CAPABILITY_MAJOR: COMPUTE_CAPABILITY[0],
                  device_attribute.COMPUTE_CAPABILITY_MINOR: COMPUTE_CAPABILITY[1]}
        return values[attr]

    def make_context(self, flags=0):
        """Create a context and make it current (``cuCtxCreate``)."""
        ctx = Context(self, primary=False)
        ctx.push()
        return ctx

    def retain_primary_context(self):
        """Return the primary context, retained, not made current."""
        return Context(self, primary=True)


class Context:
    """A CUDA context with pycuda's per-thread context stack semantics."""

    _live = 0

    def __init__(self, device, primary):
        self._device = device
        self._primary = primary
        self._valid = True
        self._thread = threading.get_ident()
        with _lock:
            Context._live += 1

    def push(self):
        """Make this context current on the calling thread."""
        if not self._valid:
            raise LogicError('cannot push a detached context')
        _stack().append(self)
        context_log.append(('push', threading.current_thread().name, len(_stack())))

    @staticmethod
    def pop():
        """Remove the current context from the calling thread's stack."""
        stack = _stack()
        if not stack:
            raise LogicError('cuCtxPopCurrent failed: context stack is empty')
        stack.pop()
        context_log.append(('pop', threading.current_thread().name, len(stack)))

    @staticmethod
    def get_current():
        """Return the current context or None."""
        stack = _stack()
        return stack[-1] if stack else None

    @staticmethod
    def get_device():
        """Return the current context's device."""
        return _require_context('cuCtxGetDevice')._device

    @staticmethod
    def synchronize():
        """Wait for all work of the current context."""
        _require_context('cuCtxSynchronize')

    def detach(self):
        """
        Release this context (pops it first if it is current).

        As pycuda's ``context::detach`` (``src/cpp/cuda.hpp``): a context that is neither
        current nor owned by the calling thread is only marked invalid, never released
        ("leaked out-of-thread context").
        """
        if not self._valid:
            return
        stack = _stack()
        current = bool(stack) and stack[-1] is self
        if current:
            Context.pop()
        self._valid = False
        if current or threading.get_ident() == self._thread:
            with _lock:
                Context._live -= 1


class DeviceAllocation:
    """Device memory from :func:`mem_alloc`; ``int()`` gives the pointer."""

    def __init__(self, nbytes):
        self._ctx = _require_context('cuMemAlloc')
        self.nbytes = int(nbytes)
        self._ptr = _register(memoryview(bytearray(max(1, self.nbytes))), 'device')

    def __int__(self):
        if self._ptr is None:
            raise LogicError('device allocation was freed')
        return self._ptr

    __index__ = __int__

    def free(self):
        """Free the memory now (needs its context current or pushable)."""
        if self._ptr is not None:
            if Context.get_current() is not self._ctx and \
                    threading.get_ident() != self._ctx._thread:
                raise LogicError('cannot activate out-of-thread context to free memory')
            _unregister(self._ptr, 'device')
            self._ptr = None

    def __del__(self):
        if getattr(self, '_ptr', None) is not None:
            _unregister(self._ptr, 'device')


def mem_alloc(nbytes):
    """Allocate ``nbytes`` of device memory."""
    if int(nbytes) <= 0:
        raise LogicError('cuMemAlloc failed: invalid argument (size 0)')
    return DeviceAllocation(nbytes)


def mem_get_info():
    """Return (free, total) bytes."""
    _require_context('cuMemGetInfo')
    return TOTAL_MEMORY // 2, TOTAL_MEMORY


class HostAllocation(bytearray):
    """Pinned host memory; the ``.base`` of :func:`pagelocked_empty` arrays."""

    def get_device_pointer(self):
        """Return the device pointer of mapped memory (``DEVICEMAP`` only)."""
        if not self._mapped:
            raise LogicError('cuMemHostGetDevicePointer failed: memory was not allocated '
                             'with host_alloc_flags.DEVICEMAP')
        return self._dptr

    def free(self):
        """Release the pinned memory now."""
        if not self._freed:
            self._freed = True
            with _lock:
                _counts['host'] -= 1
            if self._mapped:
                _unregister(self._dptr, 'device_mapped')

    def __del__(self):
        if not getattr(self, '_freed', True):
            self.free()


_counts['device_mapped'] = 0


def pagelocked_empty(shape, dtype, order='C', mem_flags=0):
    """Return an uninitialised pinned host array whose ``.base`` is a HostAllocation."""
    dtype = np.dtype(dtype)
    shape = (shape,) if np.isscalar(shape) else tuple(shape)
    nbytes = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    buf = HostAllocation(max(1, nbytes))
    buf._freed, buf._mapped = False, bool(mem_flags & host_alloc_flags.DEVICEMAP)
    with _lock:
        _counts['host'] += 1
    if buf._mapped:
        _require_context('cuMemHostAlloc(DEVICEMAP)')
        buf._dptr = _register(memoryview(buf), 'device_mapped')
    return np.ndarray(shape, dtype, buffer=buf, order=order)


def pagelocked_zeros(shape, dtype, order='C', mem_flags=0):
    """Return a zero-filled pinned host array."""
    arr = pagelocked_empty(shape, dtype, order, mem_flags)
    arr[...] = 0
    return arr


class Stream:
    """A CUDA stream; the stand-in runs every operation synchronously."""

    _next = 0x5000

    def __init__(self, flags=0):
        _require_context('cuStreamCreate')
        Stream._next += 16
        self.handle = Stream._next

    def synchronize(self):
        """Wait for the stream's work."""
        _require_context('cuStreamSynchronize')

    def is_done(self):
        """Return True (the stand-in's work is synchronous)."""
        return True


class Event:
    """A CUDA event with host-clock timing."""

    def __init__(self, flags=0):
        self._t = None

    def record(self, stream=None):
        """Record the event on ``stream``."""
        self._t = time.perf_counter()
        return self

    def synchronize(self):
        """Wait for the event."""
        return self

    def time_till(self, end):
        """Return milliseconds from this event to ``end``."""
        return (end._t - self._t) * 1e3

    def time_since(self, start):
        """Return milliseconds from ``start`` to this event."""
        return (self._t - start._t) * 1e3


def _host_bytes(array):
    array = np.asarray(array)
    if not array.flags.c_contiguous:
        raise LogicError('host array must be contiguous')
    return memoryview(array.reshape(-1).view(np.uint8))


def memcpy_htod(dest, src):
    """Copy a host array to device memory."""
    _require_context('cuMemcpyHtoD')
    data = _host_bytes(src)
    _view(dest, data.nbytes)[:] = data


def memcpy_htod_async(dest, src, stream=None):
    """Copy a host array to device memory on ``stream``."""
    memcpy_htod(dest, src)


def memcpy_dtoh(dest, src):
    """Copy device memory into a host array."""
    _require_context('cuMemcpyDtoH')
    data = _host_bytes(dest)
    data[:] = _view(src, data.nbytes)


def memcpy_dtoh_async(dest, src, stream=None):
    """Copy device memory into a host array on ``stream``."""
    memcpy_dtoh(dest, src)


def memcpy_dtod(dest, src, size):
    """Copy ``size`` bytes between device buffers."""
    _require_context('cuMemcpyDtoD')
    _view(dest, int(size))[:] = bytes(_view(src, int(size)))


def memcpy_dtod_async(dest, src, size, stream=None):
    """Copy ``size`` bytes between device buffers on ``stream``."""
    memcpy_dtod(dest, src, size)
