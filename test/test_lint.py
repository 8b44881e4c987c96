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

"""Lint checks: ament linters where ROS is installed, flake8 + pydocstyle everywhere.

flake8 and pydocstyle read their settings from ``setup.cfg`` (99 columns, single quotes,
google import order, pep257 with ament's ignore list), the same that ament_flake8 and
ament_pep257 apply.
"""

from pathlib import Path
import subprocess
import sys

import pytest

ROOT = Path(__file__).resolve().parents[1]
TARGETS = ['jetson_dnn_ros', 'launch', 'test', 'setup.py']


def _run(module, *args):
    pytest.importorskip(module)
    proc = subprocess.run([sys.executable, '-m', module, *args, *TARGETS], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    return proc.returncode, (proc.stdout + proc.stderr).strip()


def test_flake8():
    code, output = _run('flake8')
    assert code == 0, f'flake8 found problems:\n{output}'


def test_pydocstyle():
    code, output = _run('pydocstyle')
    assert code == 0, f'pydocstyle found problems:\n{output}'


@pytest.mark.ros
def test_ament_copyright():
    main = pytest.importorskip('ament_copyright.main').main
    assert main(argv=['.', 'test']) == 0, 'found copyright errors'


@pytest.mark.ros
def test_ament_flake8():
    main = pytest.importorskip('ament_flake8.main').main_with_errors
    rc, errors = main(argv=[])
    assert rc == 0, f'found {len(errors)} code style errors / warnings:\n' + '\n'.join(errors)


@pytest.mark.ros
def test_ament_pep257():
    main = pytest.importorskip('ament_pep257.main').main
    assert main(argv=['.', 'test']) == 0, 'found code style errors / warnings'
