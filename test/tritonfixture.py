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
A real Triton Inference Server for tests and benchmarks: PyTriton in its own virtual env.

PyTriton (``nvidia-pytriton``) bundles ``tritonserver`` and a Python-backend stub per Python
minor version; the stub links ``libpython3.X.so.1.0``, so the server's Python must be a build
with a shared libpython (``Py_ENABLE_SHARED``) of a version PyTriton has a stub for, and the
library's folder must be on ``LD_LIBRARY_PATH``. :func:`server_python` finds such an
interpreter (``$JETSON_DNN_TRITON_PYTHON``, the pyenv versions, ``python3``), builds a venv
from it under ``$JETSON_DNN_CACHE/triton-venv`` (cached; rebuilt only if broken) with
PyTriton and ONNX Runtime wheels, and checks that a server really starts there. Where none
works, :func:`server_python` raises :class:`Unavailable` with every reason, and the tests skip
with it. ``python3 test/tritonfixture.py --build`` builds it (``.ci/triton_env.sh``).

:class:`TritonServer` runs ``test/tritonserve.py`` in that venv on free 127.0.0.1 ports, in
its own process group, and :meth:`TritonServer.stop` kills the whole group.
"""

import collections
import glob
import json
import os
from pathlib import Path
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from typing import Dict, List, Optional, Sequence, Tuple

HERE = Path(__file__).resolve().parent
SERVE = HERE / 'tritonserve.py'
PACKAGES = ('nvidia-pytriton>=0.5', 'onnxruntime>=1.17')
VERSIONS = ('3.12', '3.11', '3.10', '3.13', '3.9', '3.8')
"""Minor versions PyTriton has Python-backend stubs for, in the order they are tried."""
START_TIMEOUT_S = 180.0


class Unavailable(RuntimeError):
    """No interpreter can run PyTriton's server here; the message says why for each."""


def cache_dir() -> Path:
    """Return the folder of the cached venv ($JETSON_DNN_CACHE or ~/.cache/jetson_dnn_ros)."""
    root = os.environ.get('JETSON_DNN_CACHE') or os.path.expanduser('~/.cache/jetson_dnn_ros')
    return Path(root) / 'triton-venv'


def _probe(python: str) -> Dict:
    code = ('import json, sys, sysconfig; v = sysconfig.get_config_var; '
            'print(json.dumps({"version": "%d.%d" % sys.version_info[:2], '
            '"shared": bool(v("Py_ENABLE_SHARED")), "libdir": v("LIBDIR") or "", '
            '"ldlibrary": v("LDLIBRARY") or "", "prefix": sys.base_prefix}))')
    out = subprocess.run([python, '-c', code], capture_output=True, text=True, timeout=30)
    if out.returncode != 0:
        raise Unavailable(f'{python}: does not run ({out.stderr.strip()[-200:]})')
    return json.loads(out.stdout)


def candidates() -> List[str]:
    """Return interpreters to try, the configured one first."""
    found = []
    if os.environ.get('JETSON_DNN_TRITON_PYTHON'):
        found.append(os.environ['JETSON_DNN_TRITON_PYTHON'])
    pyenv = os.environ.get('PYENV_ROOT') or os.path.expanduser('~/.pyenv')
    for minor in VERSIONS:
        found += sorted(glob.glob(f'{pyenv}/versions/{minor}.*/bin/python{minor}'), reverse=True)
        found += [f'/usr/bin/python{minor}', f'/usr/local/bin/python{minor}']
    return [p for i, p in enumerate(found) if os.path.exists(p) and p not in found[:i]]


def _libdir_ok(info: Dict) -> Optional[str]:
    """Return None if the interpreter has a usable shared libpython, else the reason."""
    if info['version'] not in VERSIONS:
        return f'Python {info["version"]}: PyTriton has no Python-backend stub for it'
    soname = f'libpython{info["version"]}.so.1.0'
    if not info['shared'] or not os.path.exists(os.path.join(info['libdir'], soname)):
        return (f'Python {info["version"]} at {info["prefix"]}: no shared {soname} '
                '(built without --enable-shared)')
    return None


def _venv_python(venv: Path) -> Path:
    return venv / 'bin' / 'python'


def _build(python: str, info: Dict, venv: Path) -> None:
    marker = venv / 'jetson_dnn_ok.json'
    if marker.exists() and _venv_python(venv).exists():
        return
    if venv.exists():
        subprocess.run(['rm', '-rf', str(venv)], check=True)
    venv.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([python, '-m', 'venv', str(venv)], check=True, capture_output=True)
    out = subprocess.run([str(_venv_python(venv)), '-m', 'pip', 'install', '-q',
                          '--disable-pip-version-check', '--only-binary=:all:', *PACKAGES],
                         capture_output=True, text=True, timeout=900)
    if out.returncode != 0:
        raise Unavailable(f'Python {info["version"]}: pip cannot install {" ".join(PACKAGES)} '
                          f'as wheels: {out.stderr.strip()[-300:]}')


def server_env(info: Dict) -> Dict[str, str]:
    """Return the environment the server runs in (libpython's folder on LD_LIBRARY_PATH)."""
    env = dict(os.environ)
    env['LD_LIBRARY_PATH'] = ':'.join(p for p in (info['libdir'],
                                                  env.get('LD_LIBRARY_PATH', '')) if p)
    env.pop('PYTHONPATH', None)
    return env


_CHOSEN: Optional[Tuple[str, Dict]] = None
_REASONS: List[str] = []


def server_python() -> Tuple[str, Dict]:
    """
    Return (venv python, interpreter facts) of a venv where PyTriton's server starts.

    The first call may take minutes (venv build, pip, one server start); later calls and
    later runs reuse the cached venv.

    :raises Unavailable: naming why each candidate interpreter fails.
    """
    global _CHOSEN
    if _CHOSEN is not None:
        return _CHOSEN
    if _REASONS:
        raise Unavailable('; '.join(_REASONS))
    for python in candidates():
        try:
            info = _probe(python)
            reason = _libdir_ok(info)
            if reason:
                _REASONS.append(reason)
                continue
            venv = cache_dir() / f'py{info["version"]}'
            _build(python, info, venv)
            marker = venv / 'jetson_dnn_ok.json'
            if not marker.exists():
                with TritonServer({}, python=str(_venv_python(venv)), info=info):
                    pass
                marker.write_text(json.dumps(info))
            _CHOSEN = (str(_venv_python(venv)), info)
            return _CHOSEN
        except (Unavailable, RuntimeError, OSError, subprocess.SubprocessError) as exc:
            _REASONS.append(f'{python}: {exc}')
    if not _REASONS:
        _REASONS.append('no Python 3.8-3.13 interpreter found')
    raise Unavailable('no interpreter runs PyTriton here: ' + '; '.join(_REASONS))


def free_ports(count: int) -> List[int]:
    """Return ``count`` distinct free TCP ports on 127.0.0.1."""
    sockets, ports = [], []
    for _ in range(count):
        s = socket.socket()
        s.bind(('127.0.0.1', 0))
        sockets.append(s)
        ports.append(s.getsockname()[1])
    for s in sockets:
        s.close()
    return ports


class TritonServer:
    """
    A PyTriton server on 127.0.0.1 serving ONNX files; a context manager.

    :param models: ``{name: 'path[:option...]'}`` (options: see ``tritonserve.py``).
    :param python: the venv python; None = :func:`server_python`.
    :param ports: (grpc, http, metrics) to reuse (a restart); None = free ones.
    :raises Unavailable: if no interpreter can run the server.
    :raises RuntimeError: if the server does not print READY in time (its log is in the text).
    """

    def __init__(self, models: Dict[str, str], python: Optional[str] = None,
                 info: Optional[Dict] = None, ports: Optional[Sequence[int]] = None):
        if python is None:
            python, info = server_python()
        self.models = dict(models)
        self.python, self.info = python, info
        self.grpc_port, self.http_port, self.metrics_port = ports or free_ports(3)
        self.process = None
        self.start()

    @property
    def grpc_url(self) -> str:
        """Return ``grpc://127.0.0.1:PORT``."""
        return f'grpc://127.0.0.1:{self.grpc_port}'

    @property
    def http_url(self) -> str:
        """Return ``http://127.0.0.1:PORT``."""
        return f'http://127.0.0.1:{self.http_port}'

    def start(self) -> None:
        """Start the server and wait until every model is loaded."""
        cmd = [self.python, str(SERVE), '--grpc-port', str(self.grpc_port), '--http-port',
               str(self.http_port), '--metrics-port', str(self.metrics_port)]
        for name, path in self.models.items():
            cmd += ['--model', f'{name}={path}']
        # a file, not the READY line: tritonserver's log lines share the pipe and can split it
        ready_file = Path(tempfile.mkdtemp(prefix='jdr_triton_')) / 'ready'
        cmd += ['--ready-file', str(ready_file)]
        self.process = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                        text=True, env=server_env(self.info),
                                        start_new_session=True)
        lines = collections.deque(maxlen=30)

        def read(stream):
            # drains the server's output for its whole life, so it never blocks on a pipe
            for line in stream:
                lines.append(line)
        self._reader = threading.Thread(target=read, args=(self.process.stdout,), daemon=True)
        self._reader.start()
        deadline = time.monotonic() + START_TIMEOUT_S
        try:
            while time.monotonic() < deadline and self.process.poll() is None:
                if ready_file.exists():
                    return
                time.sleep(0.1)
        finally:
            shutil.rmtree(ready_file.parent, ignore_errors=True)
        self.stop()
        raise RuntimeError('PyTriton server did not start:\n' + ''.join(lines))

    def kill(self) -> None:
        """Kill the server's whole process group at once (SIGKILL): a crash."""
        self._signal(signal.SIGKILL)
        self._wait()

    def stop(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL after 15 s) and every process it started."""
        if self.process is None:
            return
        self._signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            pass
        self._signal(signal.SIGKILL)   # tritonserver and the proxies, whatever is left
        self._wait()

    def restart(self) -> None:
        """Start the same models again on the same ports."""
        self.stop()
        self.start()

    def _signal(self, sig) -> None:
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, sig)
        except ProcessLookupError:
            pass

    def _wait(self) -> None:
        if self.process is None:
            return
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            pass
        reader = getattr(self, '_reader', None)
        if reader is not None:
            reader.join(timeout=15)       # EOF once the whole group is gone
            self._reader = None
        if self.process.stdout:
            self.process.stdout.close()
        self.process = None

    def __enter__(self):
        """Return self."""
        return self

    def __exit__(self, *exc_info):
        """Stop the server."""
        self.stop()
        return False


if __name__ == '__main__':
    if sys.argv[1:] == ['--build']:
        try:
            print('PyTriton server python:', server_python()[0])
        except Unavailable as exc:
            print(f'Triton tests will skip: {exc}')
        sys.exit(0)
    sys.exit('usage: tritonfixture.py --build')
