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
Where models, data and caches live.

- Data (models, labels, photos): ``$JETSON_DNN_DATA``, default ``../shared/data`` beside the
  source checkout or the working directory (the project's test data); absent on a user's
  machine, which is fine.
- Cache (downloaded models, TensorRT engines): ``$JETSON_DNN_CACHE``, default
  ``~/.cache/jetson_dnn_ros``.
- Model descriptors: ``$JETSON_DNN_MODELS_DIR``, the ament share folder
  (``share/jetson_dnn_ros/config/models``) or the checkout's ``config/models``.
"""

import os
from pathlib import Path
import sys
from typing import List, Optional

PACKAGE = 'jetson_dnn_ros'
_CHECKOUT = Path(__file__).resolve().parents[1]


def data_dir() -> Path:
    """
    Return the data folder.

    ``$JETSON_DNN_DATA`` if set, else ``../shared/data`` beside the source checkout, else
    ``../shared/data`` relative to the working directory (a pip-installed package run from
    the checkout).
    """
    env = os.environ.get('JETSON_DNN_DATA')
    if env:
        return Path(env).expanduser()
    candidates = [(_CHECKOUT / '..' / 'shared' / 'data').resolve(),
                  (Path.cwd() / '..' / 'shared' / 'data').resolve()]
    return next((c for c in candidates if c.is_dir()), candidates[0])


def cache_dir() -> Path:
    """Return the cache folder (``$JETSON_DNN_CACHE`` or ``~/.cache/jetson_dnn_ros``)."""
    env = os.environ.get('JETSON_DNN_CACHE')
    return Path(env).expanduser() if env else Path.home() / '.cache' / PACKAGE


def share_dirs() -> List[Path]:
    """Return candidate package share folders, most specific first."""
    dirs = []
    try:  # a sourced ROS 2 workspace
        from ament_index_python.packages import get_package_share_directory
        dirs.append(Path(get_package_share_directory(PACKAGE)))
    except (ImportError, LookupError, OSError):
        # no ament_index_python, package not installed (PackageNotFoundError is a KeyError),
        # AMENT_PREFIX_PATH unset (EnvironmentError)
        pass
    dirs.append(_CHECKOUT)
    dirs.append(Path(sys.prefix) / 'share' / PACKAGE)
    return dirs


def config_dir(sub: str = '') -> Optional[Path]:
    """Return the first existing ``config/<sub>`` folder of :func:`share_dirs`, or None."""
    for base in share_dirs():
        path = base / 'config' / sub if sub else base / 'config'
        if path.is_dir():
            return path
    return None


def models_dir() -> Optional[Path]:
    """Return the folder of model descriptors (``*.yaml``)."""
    env = os.environ.get('JETSON_DNN_MODELS_DIR')
    if env:
        return Path(env).expanduser()
    return config_dir('models')


def find_file(relative: str, extra_dirs=()) -> Optional[Path]:
    """
    Find a data file by relative path.

    Looks in ``extra_dirs``, then the cache folder, then the data folder.

    :param relative: absolute path, or path relative to one of those folders.
    :return: the existing path, or None.
    """
    path = Path(relative).expanduser()
    if path.is_absolute():
        return path if path.exists() else None
    for base in list(extra_dirs) + [cache_dir(), data_dir()]:
        candidate = Path(base) / path
        if candidate.exists():
            return candidate
    return None
