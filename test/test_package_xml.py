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
package.xml declares what the package imports, no more, no less (issue 13 item 10).

The imports of ``jetson_dnn_ros/**``, ``launch/**`` and ``test/**`` (AST: ``import``,
``from … import`` and the module names given as string constants to ``importorskip`` /
``import_module``; the stand-ins in ``test/standins*`` excluded) are mapped to rosdep keys.
Runtime imports (package and launch files) must be ``exec_depend``/``depend``; test-only imports
``test_depend`` (or exec). Every declared key must be needed by an import or by
:data:`NON_IMPORT_DEPENDENCIES` (checked against the file that needs it), so ``rosdep install``
gives a working package and nothing unused.
"""

import ast
import functools
from pathlib import Path
import sys
import xml.etree.ElementTree as ET

ROOT = Path(__file__).resolve().parents[1]

ROS_PACKAGES = {
    'rclpy', 'rcl_interfaces', 'std_msgs', 'sensor_msgs', 'vision_msgs', 'lifecycle_msgs',
    'diagnostic_msgs', 'builtin_interfaces', 'geometry_msgs', 'rosgraph_msgs',
    'ament_index_python', 'launch', 'launch_ros', 'launch_testing', 'launch_testing_ros',
    'ament_copyright', 'ament_flake8', 'ament_pep257', 'cv_bridge', 'message_filters',
    'visualization_msgs',
}
"""Python packages that are ROS packages of the same name (their rosdep key)."""

PYTHON_KEYS = {
    'numpy': 'python3-numpy', 'cv2': 'python3-opencv', 'yaml': 'python3-yaml',
    'tqdm': 'python3-tqdm', 'pytest': 'python3-pytest', 'onnxruntime': 'python3-onnxruntime-pip',
    'matplotlib': 'python3-matplotlib',
}
"""Third-party Python modules -> their key in ros/rosdistro rosdep/python.yaml."""

NO_ROSDEP_KEY = {
    'onnx': 'inspection of models given as .onnx paths, and tests building tiny ONNX models; '
            'rosdistro has no onnx key (pip install onnx)',
    'rosbags': 'jetson-dnn bag commands; rosdistro has no rosbags key (pip install rosbags)',
    'tensorrt': 'optional backend, installed with JetPack',
    'pycuda': 'optional GPU preprocessing, installed with JetPack / pip',
    'tritonclient': "optional backend triton (pip install '.[triton]'); no rosdistro key",
    'google': 'protobuf, installed with tritonclient (Triton model config checks in tests)',
    'pytriton': 'test Triton server, run in its own virtual environment (test/tritonfixture.py)',
    'apsw': 'damage-tolerant sqlite3 bag reading; installed with rosbags (its dependency)',
    'pycocotools': 'COCO RLE masks in JSON output, imported lazily; no rosdistro key '
                   '(pip install pycocotools)',
}
"""Imported, but not declared: no rosdep key exists (README says how to install them)."""

NON_IMPORT_DEPENDENCIES = {
    'ros2bag': ('launch/replay.launch.py', "'ros2', 'bag', 'play'"),
    'rosbag2_storage_mcap': ('launch/replay.launch.py', 'photos_mcap'),
    # the ament linters are imported by module name, the way ros2pkg's test templates run them
    'ament_flake8': ('test/test_lint.py', "'-m', 'ament_flake8.main'"),
    'ament_pep257': ('test/test_lint.py', "_run_template('ament_pep257.main'"),
    'ament_copyright': ('test/test_lint.py', "_run_template('ament_copyright.main'"),
}
"""Declared keys needed by something other than an import: key -> (file, text it contains)."""

OPTIONAL_NOT_DECLARED = {'rviz2': ('jetson_dnn_ros/launch_helpers.py', "package_share('rviz2')")}
"""Optional packages the launch checks for at run time instead of declaring them."""

LOCAL = {'jetson_dnn_ros', 'standins', 'standins_trt', 'rosidl_standin'} | {
    path.stem for folder in ('test', 'test/launch') for path in (ROOT / folder).glob('*.py')}
"""Modules of this repository (the package, the stand-ins, every module of test/)."""


def _sources(folder):
    for path in sorted((ROOT / folder).rglob('*.py')):
        if not any(part.startswith('standins') for part in path.relative_to(ROOT).parts):
            yield path


def _imports(path):
    """Return the top-level module names ``path`` imports."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding='utf-8'), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split('.')[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split('.')[0])
        elif isinstance(node, ast.Call) and node.args \
                and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, 'id', '')
            if name in ('importorskip', 'import_module'):
                names.add(node.args[0].value.split('.')[0])
    return names


def _key(module):
    if module in ROS_PACKAGES:
        return module
    return PYTHON_KEYS.get(module)


@functools.lru_cache(maxsize=None)
def _needed():
    """Return (runtime keys, test keys, unknown imports with their files)."""
    runtime, test, unknown = set(), set(), {}
    for folder, keys in (('jetson_dnn_ros', runtime), ('launch', runtime), ('test', test)):
        for path in _sources(folder):
            for module in _imports(path):
                if module in sys.stdlib_module_names or module in LOCAL \
                        or module in NO_ROSDEP_KEY or module == '__future__':
                    continue
                key = _key(module)
                if key is None:
                    unknown.setdefault(module, []).append(str(path.relative_to(ROOT)))
                else:
                    keys.add(key)
    return frozenset(runtime), frozenset(test), unknown


def _declared():
    root = ET.parse(ROOT / 'package.xml').getroot()
    exec_ = {e.text.strip() for tag in ('depend', 'exec_depend') for e in root.iter(tag)}
    test = {e.text.strip() for e in root.iter('test_depend')}
    return exec_, test


def test_every_import_maps_to_a_rosdep_key_or_a_documented_exception():
    _, _, unknown = _needed()
    assert not unknown, f'imports without a rosdep key or a reason (add to package.xml): {unknown}'


def test_runtime_imports_are_exec_dependencies():
    runtime, _, _ = _needed()
    exec_, _ = _declared()
    assert not runtime - exec_, f'imported at run time, not exec_depend: {runtime - exec_}'


def test_test_imports_are_declared():
    runtime, test, _ = _needed()
    exec_, test_declared = _declared()
    missing = test - exec_ - test_declared
    assert not missing, f'imported by tests, not test_depend: {sorted(missing)}'


def test_nothing_declared_is_unused():
    runtime, test, _ = _needed()
    exec_, test_declared = _declared()
    unused = (exec_ | test_declared) - runtime - test - set(NON_IMPORT_DEPENDENCIES)
    assert not unused, f'declared but never imported (remove them): {sorted(unused)}'
    # a test-only need must not pull in a run-time dependency
    assert not (exec_ - runtime - set(NON_IMPORT_DEPENDENCIES)), exec_ - runtime


def test_non_import_dependencies_are_really_needed():
    exec_, test_declared = _declared()
    for key, (path, text) in NON_IMPORT_DEPENDENCIES.items():
        assert key in (test_declared if path.startswith('test/') else exec_), key
        assert text in (ROOT / path).read_text(encoding='utf-8'), (key, path, text)


def test_optional_rviz2_is_checked_not_declared():
    exec_, test_declared = _declared()
    for key, (path, text) in OPTIONAL_NOT_DECLARED.items():
        assert key not in exec_ | test_declared, f'{key} is optional: check for it at launch'
        assert text in (ROOT / path).read_text(encoding='utf-8'), (key, path)
    for launch_file in (ROOT / 'launch').glob('*.py'):
        assert "package='rviz2'" not in launch_file.read_text(encoding='utf-8'), \
            f'{launch_file.name}: start rviz2 through launch_helpers.rviz_actions (checked)'


def test_import_scan_sees_string_imports(tmp_path):
    source = tmp_path / 'x.py'
    source.write_text('import os.path\nfrom a.b import c\nfrom . import d\n'
                      "pytest.importorskip('e.f')\nimportlib.import_module('g')\n")
    assert _imports(source) == {'os', 'a', 'e', 'g'}
