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
How the suite runs as a whole: no module-level skip, no empty run, stand-ins kept apart.

* No test module skips at module level (under launch_testing's pytest plugin, which imports
  every module while collecting the folder, one such skip skipped the whole ``test/`` folder).
* ``collection_guard`` turns a run that collects nothing, or skips a module while collecting
  it, into exit code 1 (``colcon test`` takes pytest's exit code 5 for success).
* Where the real rclpy is importable, the ``standins`` tests are skipped in-process and
  :func:`test_standin_tests_pass_in_a_subprocess` runs them in a subprocess with the stand-ins
  forced: the stand-ins and the real rclpy never share an interpreter.
"""

import ast
import logging
import os
from pathlib import Path
import subprocess
import sys
import textwrap

import pytest
from standins.install import FORCE_ENV, is_ros_path, STANDINS_DIR

TEST_DIR = Path(__file__).resolve().parent
ROOT = TEST_DIR.parent
SKIP_CALLS = {'skip', 'importorskip'}


def _skip_call(node: ast.Call) -> str:
    """Return ``skip``/``importorskip`` for a call of pytest's, '' for any other call."""
    func = node.func
    if isinstance(func, ast.Attribute):   # pytest.skip(...), not pytest.mark.skip(...)
        pytest_call = isinstance(func.value, ast.Name) and func.value.id == 'pytest'
        return func.attr if pytest_call and func.attr in SKIP_CALLS else ''
    return func.id if isinstance(func, ast.Name) and func.id in SKIP_CALLS else ''


def module_level_skips(source: str) -> list:
    """
    Return ``(line, call)`` of every skip that runs while a module is imported.

    Looks at the code that runs at import time (module and class bodies, not function bodies)
    for calls of ``pytest.skip``/``pytest.importorskip`` (markers such as
    ``pytest.mark.skip(...)`` are fine), and anywhere for ``allow_module_level=True``.

    :param source: python source text of a module.
    """
    found = []

    def visit(node, at_import):
        if isinstance(node, ast.Call):
            name = _skip_call(node)
            module_level = any(k.arg == 'allow_module_level' for k in node.keywords)
            if (at_import and name) or module_level:
                found.append((node.lineno, name or 'allow_module_level'))
        inner = at_import and not isinstance(
            node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
        for child in ast.iter_child_nodes(node):
            visit(child, inner)

    visit(ast.parse(source), True)
    return found


def test_module_level_skips_are_found():
    source = textwrap.dedent("""
        import pytest
        cuda = pytest.importorskip('pycuda')
        if True:
            pytest.skip('no', allow_module_level=True)

        class TestA:
            importorskip('x')

        def helper():
            pytest.skip('in a function: fine')
            pytest.skip('but not this', allow_module_level=True)

        @pytest.mark.skip(reason='a marker: fine')
        def test_b():
            pass

        pytestmark = pytest.mark.skipif(True, reason='fine too')
        """)
    assert [line for line, _ in module_level_skips(source)] == [3, 5, 8, 12]


def test_no_test_module_skips_at_module_level():
    offenders = []
    for path in sorted(TEST_DIR.rglob('*.py')):
        if {'standins', 'standins_trt'} & set(path.relative_to(TEST_DIR).parts):
            continue
        for line, name in module_level_skips(path.read_text()):
            offenders.append(f'{path.relative_to(ROOT)}:{line}: {name}')
    assert not offenders, ('module-level skip (skips the whole test folder under '
                           'launch_testing; skip in a fixture or marker): ' + ', '.join(offenders))


# ------------------------------------------------------------------------ collection_guard
# a plugin that imports every module while making its collector, as launch_testing's does
# (launch_testing/pytest/hooks.py pytest_pycollect_makemodule -> path.pyimport())
IMPORTING_PLUGIN = """
def pytest_pycollect_makemodule(module_path, parent):
    import importlib.util
    spec = importlib.util.spec_from_file_location(module_path.stem, module_path)
    spec.loader.exec_module(importlib.util.module_from_spec(spec))
"""


def run_pytest(folder: Path, *args, guard=True, env=None):
    """Run pytest on folder in a subprocess; return (exit code, stdout + stderr)."""
    cmd = [sys.executable, '-m', 'pytest', '-p', 'no:cacheprovider', '-q', str(folder), *args]
    if guard:
        cmd[3:3] = ['-p', 'collection_guard']
    base = env if env is not None else os.environ
    env = {**base, 'PYTHONPATH': os.pathsep.join([str(TEST_DIR), str(folder)]),
           'PYTEST_ADDOPTS': ''}
    proc = subprocess.run(cmd, cwd=folder, env=env, capture_output=True, text=True,
                          timeout=300)
    return proc.returncode, proc.stdout + proc.stderr


def write(folder: Path, files: dict) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(textwrap.dedent(text))
    return folder


def test_whole_folder_skipped_at_collection_fails(tmp_path):
    folder = write(tmp_path / 'suite', {
        'importing_plugin.py': IMPORTING_PLUGIN,
        'test_a.py': 'def test_a():\n    pass\n',
        'test_gpu.py': "import pytest\npytest.importorskip('no_such_module_here')\n"})
    code, out = run_pytest(folder, '-p', 'importing_plugin', guard=False)
    # "collected 0 items / 1 skipped": exit code 5, which colcon takes for success
    assert code == pytest.ExitCode.NO_TESTS_COLLECTED and 'passed' not in out, out
    code, out = run_pytest(folder, '-p', 'importing_plugin')
    assert code == 1, out
    assert 'collection_guard' in out and 'skipped while being collected' in out


def test_module_skipped_at_collection_fails_even_when_other_tests_pass(tmp_path):
    folder = write(tmp_path / 'suite', {
        'test_a.py': 'def test_a():\n    pass\n',
        'test_gpu.py': "import pytest\npytest.importorskip('no_such_module_here')\n"})
    code, out = run_pytest(folder)
    assert code == 1 and '1 passed' in out and 'test_gpu.py was skipped' in out, out


def test_nothing_collected_fails(tmp_path):
    folder = write(tmp_path / 'suite', {'test_a.py': 'X = 1\n'})
    assert run_pytest(folder, guard=False)[0] == pytest.ExitCode.NO_TESTS_COLLECTED
    code, out = run_pytest(folder)
    assert code == 1 and 'no test was collected or selected' in out, out


def test_nothing_selected_fails_but_selected_tests_that_skip_pass(tmp_path):
    folder = write(tmp_path / 'suite', {
        'pytest.ini': '[pytest]\nmarkers =\n    tensorrt: real TensorRT\n',
        'test_a.py': """
            import pytest

            @pytest.fixture
            def trt():
                pytest.importorskip('no_such_tensorrt_here')

            def test_plain():
                pass

            @pytest.mark.tensorrt
            def test_engine(trt):
                pass
            """})
    assert run_pytest(folder)[0] == 0
    code, out = run_pytest(folder, '-m', 'tensorrt')   # as on a machine without TensorRT
    assert code == 0 and '1 skipped' in out, out
    code, out = run_pytest(folder, '-m', 'no_such_marker')
    assert code == 1 and 'no test was collected or selected' in out, out


def test_failures_keep_their_exit_code(tmp_path):
    folder = write(tmp_path / 'suite', {'test_a.py': 'def test_a():\n    assert False\n'})
    assert run_pytest(folder)[0] == pytest.ExitCode.TESTS_FAILED


# ------------------------------------------------------------------ stand-ins kept apart
def standin_env() -> dict:
    """Return the environment of a subprocess that must use the stand-ins, not ROS."""
    paths = [p for p in os.environ.get('PYTHONPATH', '').split(os.pathsep)
             if p and not is_ros_path(p)]
    env = {**os.environ, FORCE_ENV: '1', 'PYTHONPATH': os.pathsep.join([str(ROOT), *paths])}
    env.pop('PYTEST_ADDOPTS', None)   # colcon's --junit-xml is this process's, not the child's
    return env


def test_standin_tests_pass_in_a_subprocess(request):
    """Where the real rclpy is importable, run the skipped ``standins`` tests in a subprocess."""
    if STANDINS_DIR in sys.path:
        pytest.skip('the stand-ins are in use in this process: the standins tests ran here')
    nodeids = getattr(request.config, '_jetson_dnn_standin_nodeids', [])
    if not nodeids:
        pytest.skip('no standins test selected in this run')
    # whole modules, not node ids: parametrized ids may depend on which rclpy was imported
    modules = list(dict.fromkeys(nodeid.split('::')[0] for nodeid in nodeids))
    cmd = [sys.executable, '-m', 'pytest', '-q', '-p', 'no:cacheprovider',
           '-p', 'no:launch_testing', '-p', 'no:launch_ros', '-m', 'standins', *modules]
    proc = subprocess.run(cmd, cwd=request.config.rootpath, env=standin_env(),
                          capture_output=True, text=True, timeout=1800)
    summary = (proc.stdout.strip().splitlines() or [''])[-1]
    print(f'standins tests in a subprocess: {summary}')
    assert proc.returncode == 0, proc.stdout[-20000:] + proc.stderr[-5000:]


FAKE_RCLPY = """
# plays "the real rclpy is importable": any rclpy.* module, any attribute
import importlib.abc
import importlib.machinery
import sys
import types


class _Any(type):
    def __getattr__(cls, name):
        return _Any(name, (), {})


def __getattr__(name):
    return _Any(name, (), {})


class _Finder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, name, path=None, target=None):
        if name.startswith('rclpy.'):
            return importlib.machinery.ModuleSpec(name, self, is_package=True)
        return None

    def create_module(self, spec):
        module = types.ModuleType(spec.name)
        module.__getattr__ = __getattr__
        module.__path__ = []
        return module

    def exec_module(self, module):
        pass


sys.meta_path.insert(0, _Finder())
"""

RECORDER = """
import json
import os
import sys


def pytest_sessionfinish(session):
    standins = os.environ['STANDINS_DIR']
    loaded = sorted(name for name, module in sys.modules.items()   # the installer aside
                    if standins in str(getattr(module, '__file__', '') or '')
                    and name.split('.')[0] != 'standins')
    with open(os.environ['RECORD'], 'w') as f:
        json.dump({'standin_modules': loaded,
                   'rclpy': str(getattr(sys.modules.get('rclpy'), '__file__', ''))}, f)
"""


def test_real_rclpy_importable_runs_standin_tests_only_in_a_subprocess(tmp_path):
    """A fake rclpy on PYTHONPATH plays the sourced ROS 2: stand-ins stay out of the process."""
    import json
    fake = write(tmp_path / 'ros', {'recorder.py': RECORDER})
    write(fake / 'rclpy', {'__init__.py': FAKE_RCLPY})
    record = tmp_path / 'record.json'
    env = {**os.environ, 'PYTHONPATH': os.pathsep.join([str(fake), str(ROOT)]),
           'STANDINS_DIR': STANDINS_DIR, 'RECORD': str(record), 'PYTEST_ADDOPTS': ''}
    env.pop(FORCE_ENV, None)
    cmd = [sys.executable, '-m', 'pytest', '-p', 'no:cacheprovider', '-p', 'recorder', '-rsP',
           'test/test_standin_rclpy.py',
           'test/test_standins_isolation.py::test_standin_tests_pass_in_a_subprocess']
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    seen = json.loads(record.read_text())
    assert seen['rclpy'].startswith(str(fake)), seen      # the "real" rclpy was imported
    assert seen['standin_modules'] == [], seen            # no stand-in module in that process
    assert 'needs the ROS 2 stand-ins and this process has the real rclpy' in out, out
    line = next(x for x in out.splitlines() if x.startswith('standins tests in a subprocess'))
    passed = int(line.split(': ')[1].split()[0])
    assert passed > 50 and ' failed' not in line, line


# ----------------------------------------------------------------------------- logs fixture
def test_logs_fixture_sees_records_of_loggers_that_do_not_propagate(logs, caplog):
    """``import launch`` makes new loggers ``LaunchLogger(propagate=False)``: caplog is blind."""
    parent = logging.getLogger('jetson_dnn_ros_logs_test')
    child = logging.getLogger('jetson_dnn_ros_logs_test.child')
    child.propagate = False
    try:
        records = logs('jetson_dnn_ros_logs_test', logging.WARNING)
        with caplog.at_level(logging.WARNING):
            child.warning('from the child')
            parent.info('below the level')
            parent.error('from the parent')
        assert [r.getMessage() for r in records] == ['from the child', 'from the parent']
        assert 'from the child' not in caplog.text   # what failed on real ROS
    finally:
        child.propagate = True


def test_the_suite_runs_with_the_collection_guard(request):
    """``test/conftest.py`` registers the guard: an empty ``colcon test`` run fails."""
    assert request.config.pluginmanager.has_plugin('jetson_dnn_collection_guard')
