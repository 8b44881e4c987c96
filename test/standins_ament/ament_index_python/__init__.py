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
Stand-in of ament_index_python (ament/ament_index, branch humble), for package:// tests.

Only the lookup that :func:`jetson_dnn_ros.models.resolve_path` uses, mirrored from
``ament_index_python/packages.py``, ``resources.py`` and ``search_paths.py``: packages are
found through the resource index ``share/ament_index/resource_index/packages/<name>`` under
the prefixes of ``AMENT_PREFIX_PATH``, exactly as the real one does; an unset variable raises
``EnvironmentError``, an unknown package ``PackageNotFoundError`` (a ``KeyError``), an
invalid name ``ValueError``. Tests put this folder on ``sys.path`` themselves.
"""
