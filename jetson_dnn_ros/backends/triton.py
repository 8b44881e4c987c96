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
Remote inference on NVIDIA Triton Inference Server (KServe v2) through ``tritonclient``.

The model runs on the server; this backend sends the preprocessed tensors and gets the raw
outputs back, so the pipeline's preprocessing and decoding are the same as with a local
backend. gRPC is the default protocol (``grpc://host:8001`` or ``host:8001``), HTTP is
optional (``http://host:8000``). Input and output specs come from the server's model metadata.

When the server is on this host (``localhost``/``127.0.0.1``/``::1``) the tensors travel
through POSIX system shared memory (``tritonclient.utils.shared_memory``) registered with
the server; if registering fails the backend falls back to sending them in the request.

``tritonclient`` is imported when the backend is created: ``pip install '.[triton]'``.
"""

import os
import threading
import time
from typing import Dict, Mapping, Tuple
from urllib.parse import urlsplit

from jetson_dnn_ros.backends.base import InferenceBackend
from jetson_dnn_ros.backends.base import TensorSpec
from jetson_dnn_ros.errors import BackendError
import numpy as np

PROTOCOLS = ('grpc', 'http')
DEFAULT_PORTS = {'grpc': 8001, 'http': 8000}
LOCAL_HOSTS = ('localhost', '127.0.0.1', '::1')
SHARED_MEMORY = ('auto', 'on', 'off')

_DTYPES = {'BOOL': np.bool_, 'UINT8': np.uint8, 'INT8': np.int8, 'INT16': np.int16,
           'INT32': np.int32, 'INT64': np.int64, 'UINT16': np.uint16, 'UINT32': np.uint32,
           'UINT64': np.uint64, 'FP16': np.float16, 'FP32': np.float32, 'FP64': np.float64}
_TRITON_NAMES = {np.dtype(v): k for k, v in _DTYPES.items()}


def parse_url(url: str) -> Tuple[str, str, int]:
    """
    Split a Triton address into (protocol, host, port).

    :param url: ``grpc://host:port``, ``http://host:port`` or ``host[:port]`` (gRPC); the
        port defaults to Triton's (8001 gRPC, 8000 HTTP).
    :return: (``grpc`` or ``http``, host, port).
    :raises BackendError: on another scheme, an empty host or a bad port.
    """
    text = str(url).strip()
    if '://' not in text:
        text = 'grpc://' + text
    parts = urlsplit(text)
    protocol = parts.scheme.lower()
    if protocol not in PROTOCOLS:
        raise BackendError(f'triton_url {url!r}: scheme must be grpc:// or http://')
    try:
        port = parts.port or DEFAULT_PORTS[protocol]
    except ValueError:
        raise BackendError(f'triton_url {url!r}: bad port') from None
    if not parts.hostname or parts.path not in ('', '/'):
        raise BackendError(f'triton_url {url!r}: expected grpc://HOST:PORT or '
                           'http://HOST:PORT')
    return protocol, parts.hostname, port


def _import_client(protocol: str):
    try:
        if protocol == 'grpc':
            import tritonclient.grpc as client
        else:
            import tritonclient.http as client
        import tritonclient.utils as utils
    except ImportError as exc:
        raise BackendError(f'the Triton backend needs tritonclient[{protocol}]: '
                           f"pip install '.[triton]' ({exc})") from exc
    return client, utils


def _spec(meta: Mapping) -> TensorSpec:
    dtype = _DTYPES.get(meta['datatype'])
    if dtype is None:
        raise BackendError(f'tensor {meta["name"]!r} has datatype {meta["datatype"]}, which '
                           'the pipeline cannot use')
    shape = tuple(int(d) for d in meta['shape'])
    return TensorSpec(meta['name'], tuple(d if d > 0 else None for d in shape), np.dtype(dtype))


class TritonBackend(InferenceBackend):
    """
    Run a model that Triton Inference Server serves.

    :param url: the server (see :func:`parse_url`).
    :param model: the model name in the server's repository.
    :param version: the model version; ``''`` = the server's policy (latest).
    :param timeout: deadline of one inference round trip in seconds (> 0); a request still
        unanswered then fails with :class:`BackendError`.
    :param connect_timeout: deadline of each configure-time call (liveness, metadata) in s.
    :param shared_memory: ``auto`` (when the host is this machine), ``on`` or ``off``.
    :raises BackendError: if tritonclient is missing, the URL is bad, the server does not
        answer, or the model is not ready there; the message names the server and model.
    """

    name = 'triton'

    def __init__(self, url: str, model: str, version: str = '', timeout: float = 1.0,
                 connect_timeout: float = 5.0, shared_memory: str = 'auto'):
        super().__init__()
        self.protocol, self.host, self.port = parse_url(url)
        if not model:
            raise BackendError('triton_model is empty')
        if timeout <= 0 or connect_timeout <= 0:
            raise BackendError('Triton timeouts must be > 0 s')
        if shared_memory not in SHARED_MEMORY:
            raise BackendError(f'shared_memory must be one of {", ".join(SHARED_MEMORY)}')
        self._module, self._utils = _import_client(self.protocol)
        self.url = f'{self.protocol}://{self.host}:{self.port}'
        self.model = model
        self.version = str(version or '')
        self.timeout = float(timeout)
        self.connect_timeout = float(connect_timeout)
        self.device = f'{self.url} {model}' + (f' v{self.version}' if self.version else '')
        self._lock = threading.Lock()          # one request in flight per backend
        self._client = None
        self._regions = {}                     # tensor name -> (shm handle, triton name, bytes)
        self._registered = False
        self.round_trip_ms = float('nan')
        self._use_shm = shared_memory == 'on' or (shared_memory == 'auto'
                                                  and self.host in LOCAL_HOSTS)
        meta = self._call(lambda c: self._metadata(c), 'read the model metadata',
                          self.connect_timeout)
        self.served_version = str(max(meta.get('versions') or [''], key=str))
        self._inputs = tuple(_spec(t) for t in meta.get('inputs', ()))
        self._outputs = tuple(_spec(t) for t in meta.get('outputs', ()))
        if not self._inputs or not self._outputs:
            raise BackendError(f'Triton model {model!r} at {self.url} declares no inputs or '
                               'outputs')
        self.shared_memory = False
        self.shared_memory_error = ''
        if self._use_shm:
            self.shared_memory = self._setup_shm()

    # -------------------------------------------------------------- connection
    def _new_client(self):
        address = f'{self.host}:{self.port}'
        if self.protocol == 'grpc':
            return self._module.InferenceServerClient(address)
        return self._module.InferenceServerClient(
            address, connection_timeout=self.connect_timeout, network_timeout=self.timeout)

    def _metadata(self, client) -> Dict:
        kwargs = {'client_timeout': self.connect_timeout} if self.protocol == 'grpc' else {}
        try:
            live = client.is_server_live(**kwargs)
        except Exception as exc:  # noqa: B902 - any transport error
            raise BackendError(f'Triton server {self.url} is not reachable: '
                               f'{_reason(exc)}') from exc
        if not live:
            raise BackendError(f'Triton server {self.url} is not live')
        try:
            ready = client.is_model_ready(self.model, self.version, **kwargs)
        except Exception as exc:  # noqa: B902 - any transport error
            raise BackendError(f'Triton server {self.url}: model {self.model!r} version '
                               f'{self.version or "latest"!r}: {_reason(exc)}') from exc
        if not ready:
            raise BackendError(f'Triton server {self.url} has no ready model {self.model!r}'
                               f' (version {self.version or "latest"}); check the model '
                               'repository and triton_model / triton_model_version')
        if self.protocol == 'grpc':
            return client.get_model_metadata(self.model, self.version, as_json=True,
                                             client_timeout=self.connect_timeout)
        return client.get_model_metadata(self.model, self.version)

    def _call(self, fn, what: str, timeout: float):
        """Run ``fn(client)``; on a transport failure drop the client so the next call redials."""
        try:
            if self._client is None:
                self._client = self._new_client()
            return fn(self._client)
        except BackendError:
            self._reset()
            raise
        except Exception as exc:  # noqa: B902 - any transport error
            self._reset()
            raise BackendError(f'Triton {self.url} model {self.model!r}: cannot {what}: '
                               f'{_reason(exc)}') from exc

    def _reset(self) -> None:
        client, self._client = self._client, None
        self._registered = False
        if client is not None:
            try:
                client.close()
            except Exception:  # noqa: B902 - best-effort cleanup
                pass

    # ---------------------------------------------------------- shared memory
    def _setup_shm(self) -> bool:
        """
        Create a region per input and per output of static size; False on failure.

        An input with dynamic dims (other than a batch axis) gets its region on the first
        call, sized to that tensor; an output with dynamic dims comes back in the response.
        """
        self._tag = f'jdr_{os.getpid()}_{id(self):x}'
        try:
            for spec in self._inputs + self._outputs:
                if not spec.is_dynamic or _batch_only(spec):
                    size = int(np.prod([d or 1 for d in spec.shape])) * spec.dtype.itemsize
                    self._create_region(spec.name, size)
            self._register()
        except Exception as exc:  # noqa: B902 - any transport error
            self.shared_memory_error = _reason(exc)
            self._release_shm()
            return False
        return True

    def _create_region(self, name: str, size: int) -> None:
        from tritonclient.utils import shared_memory as shm
        region = f'{self._tag}_{len(self._regions)}_{size}'
        handle = shm.create_shared_memory_region(region, '/' + region, size)
        self._regions[name] = (handle, region, size)

    def _input_region(self, name: str, nbytes: int):
        """Return the region of input ``name`` for ``nbytes``, resizing a dynamic one."""
        region = self._regions.get(name)
        if region is not None and region[2] == nbytes:
            return region
        spec = next(s for s in self._inputs if s.name == name)
        if not spec.is_dynamic or _batch_only(spec):
            return None                        # a batch of several: send it in the request
        if region is not None:
            self._drop_region(name)
        self._create_region(name, nbytes)
        self._registered = False
        return self._regions[name]

    def _drop_region(self, name: str) -> None:
        from tritonclient.utils import shared_memory as shm
        handle, region, _ = self._regions.pop(name)
        if self._client is not None:
            try:
                self._client.unregister_system_shared_memory(region)
            except Exception:  # noqa: B902 - best-effort cleanup
                pass
        shm.destroy_shared_memory_region(handle)

    def _register(self) -> None:
        def register(client):
            for _, region, size in self._regions.values():
                kwargs = ({'client_timeout': self.connect_timeout}
                          if self.protocol == 'grpc' else {})
                try:
                    client.unregister_system_shared_memory(region, **kwargs)
                except Exception:  # noqa: B902 - best-effort cleanup
                    pass
                client.register_system_shared_memory(region, '/' + region, size, **kwargs)
        self._call(register, 'register system shared memory', self.connect_timeout)
        self._registered = True

    def _release_shm(self) -> None:
        from tritonclient.utils import shared_memory as shm
        if self._registered and self._client is not None:
            for _, region, _ in self._regions.values():
                try:
                    self._client.unregister_system_shared_memory(region)
                except Exception:  # noqa: B902 - best-effort cleanup
                    pass
        self._registered = False
        for handle, _, _ in self._regions.values():
            try:
                shm.destroy_shared_memory_region(handle)
            except Exception:  # noqa: B902 - best-effort cleanup
                pass
        self._regions = {}

    # --------------------------------------------------------------- contract
    @property
    def input_specs(self) -> Tuple[TensorSpec, ...]:
        """Return the model inputs from the server's metadata (-1 dims are ``None``)."""
        return self._inputs

    @property
    def output_specs(self) -> Tuple[TensorSpec, ...]:
        """Return the model outputs from the server's metadata (-1 dims are ``None``)."""
        return self._outputs

    def _request(self, inputs: Mapping[str, object]):
        from tritonclient.utils import shared_memory as shm
        module = self._module
        requests, wanted = [], []
        values = {s.name: np.ascontiguousarray(inputs[s.name]) for s in self._inputs}
        if self.shared_memory:
            for name, value in values.items():
                self._input_region(name, value.nbytes)
            if not self._registered:
                self._register()               # new regions, or a restarted server
        for spec in self._inputs:
            value = values[spec.name]
            item = module.InferInput(spec.name, list(value.shape), _TRITON_NAMES[value.dtype])
            region = self.shared_memory and self._input_region(spec.name, value.nbytes)
            if region:
                shm.set_shared_memory_region(region[0], [value])
                item.set_shared_memory(region[1], region[2])
            else:
                item.set_data_from_numpy(value)
            requests.append(item)
        for spec in self._outputs:
            out = module.InferRequestedOutput(spec.name)
            region = self._regions.get(spec.name)
            if region is not None:
                out.set_shared_memory(region[1], region[2])
            wanted.append(out)
        return requests, wanted

    def _infer(self, inputs: Mapping[str, object]) -> Dict[str, np.ndarray]:
        with self._lock:
            if self._closed:
                raise BackendError('triton backend is closed')
            requests, wanted = self._request(inputs)
            kwargs = {'client_timeout': self.timeout} if self.protocol == 'grpc' else {}
            start = time.perf_counter()
            result = self._call(
                lambda c: c.infer(self.model, requests, model_version=self.version,
                                  outputs=wanted, **kwargs),
                'infer', self.timeout)
            self.round_trip_ms = (time.perf_counter() - start) * 1e3
            return {spec.name: self._output(result, spec) for spec in self._outputs}

    def _output(self, result, spec: TensorSpec) -> np.ndarray:
        from tritonclient.utils import shared_memory as shm
        region = self._regions.get(spec.name)
        meta = result.get_output(spec.name)
        if meta is not None and self.protocol == 'grpc':
            # a protobuf message (tritonclient's as_json=True returns None: upstream bug)
            meta = {'shape': list(meta.shape), 'datatype': meta.datatype}
        if meta is None:
            raise BackendError(f'Triton model {self.model!r} answered without output '
                               f'{spec.name!r}')
        shape = tuple(int(d) for d in meta['shape'])
        if meta['datatype'] != _TRITON_NAMES.get(spec.dtype):
            raise BackendError(f'Triton model {self.model!r} answered {spec.name!r} as '
                               f'{meta["datatype"]}; its metadata says '
                               f'{_TRITON_NAMES.get(spec.dtype)}')
        if not spec.matches(shape):
            raise BackendError(f'Triton model {self.model!r} answered {spec.name!r} with '
                               f'shape {shape}; its metadata says {spec.shape}')
        if region is not None:
            value = shm.get_contents_as_numpy(region[0], spec.dtype, shape)
            return np.array(value, copy=True)
        value = result.as_numpy(spec.name)
        if value is None or value.shape != shape:
            raise BackendError(f'Triton model {self.model!r} answered {spec.name!r} without '
                               'its data')
        return value

    def describe(self) -> Dict[str, str]:
        """Return backend, device, precision plus server, model, version, round trip (ms)."""
        info = super().describe()
        info.update({'triton_server': self.url, 'triton_model': self.model,
                     'triton_model_version': self.served_version if not self.version
                     else self.version,
                     'triton_shared_memory': str(self.shared_memory).lower(),
                     'triton_round_trip_ms': f'{self.round_trip_ms:.2f}'})
        return info

    def _close(self) -> None:
        with self._lock:
            self._release_shm()
            self._reset()


def _batch_only(spec: TensorSpec) -> bool:
    """Return True if only the first (batch) axis is dynamic: one image per request."""
    return spec.shape[:1] == (None,) and all(d is not None for d in spec.shape[1:])


def _reason(exc: BaseException) -> str:
    """Return the server's or transport's message of a tritonclient error, one line."""
    message = getattr(exc, 'message', None)
    text = message() if callable(message) else str(exc)
    status = getattr(exc, 'status', None)
    status = status() if callable(status) else status
    text = ' '.join(str(text).split())
    return f'{status}: {text}' if status and str(status) not in text else text
