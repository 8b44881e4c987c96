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

"""Stand-in for ``launch_ros/launch_ros/substitutions`` (humble): ``FindPackageShare``."""

from launch.substitution import Substitution
from launch.utilities import normalize_to_list_of_substitutions, perform_substitutions


class FindPackageShare(Substitution):
    """Mirror of ``FindPackageShare(package)``: the share folder of an installed package."""

    def __init__(self, package):
        self.__package = normalize_to_list_of_substitutions(package)

    def perform(self, context) -> str:
        """Return the package's share directory (ament_index_python, as upstream)."""
        from ament_index_python.packages import get_package_share_directory
        return get_package_share_directory(perform_substitutions(context, self.__package))


__all__ = ['FindPackageShare']
