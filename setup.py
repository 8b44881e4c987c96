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

"""Build jetson_dnn_ros with colcon (ament_python) or plain pip."""

from glob import glob
import os

from setuptools import find_packages, setup

package_name = 'jetson_dnn_ros'

# Runtime Python dependencies. In a ROS 2 workspace they come from apt through package.xml
# (python3-numpy, python3-opencv, …), so install_requires stays empty: a pip requirement on
# opencv-python would fight apt's cv2. Plain pip users pick them through an extra.
core = ['numpy>=1.21', 'opencv-python-headless>=4.5', 'PyYAML>=5.3', 'rosbags>=0.10',
        'tqdm>=4.50', 'pycocotools>=2.0',   # pycocotools: COCO RLE masks in the CLI JSON
        'onnx>=1.13']   # onnx: models given as .onnx paths are inspected (task, labels, input)

# The ROS 2 linters that `colcon test` runs (test/test_lint.py): the real ament_flake8 and
# ament_pep257 from PyPI and the flake8 plugins of a ROS 2 Humble development install. PyPI's
# ament-lint-flake8 0.14 pins flake8 4.0.1, which is also Ubuntu 22.04's python3-flake8 (the one
# Humble's ament_flake8 runs on); flake8 4 cannot load plugins on Python >= 3.12, where the test
# runs flake8 >= 6.1 with Humble's configuration itself. flake8-builtins >= 3.0 reports A005 on
# line 1, where a '# noqa: A005' can reach it (2.3-2.5 reported it on line 0).
lint = ['ament-lint-flake8>=0.14.4,<0.15; python_version < "3.12"',
        'flake8>=4.0.1,<5; python_version < "3.12"',
        'flake8>=6.1; python_version >= "3.12"',
        'ament-lint-pep257>=0.14.3,<0.15', 'pydocstyle>=6.1',
        'flake8-blind-except>=0.2.1', 'flake8-builtins>=3.0', 'flake8-class-newline>=1.6',
        'flake8-comprehensions>=3.10', 'flake8-deprecated>=2.0', 'flake8-docstrings>=1.6',
        'flake8-import-order>=0.18.2', 'flake8-quotes>=3.3.1']


def _files(pattern):
    return sorted(f for f in glob(pattern) if os.path.isfile(f))


setup(
    name=package_name,
    version='0.1.0',
    packages=find_packages(exclude=['test', 'test.*']),
    data_files=[
        ('share/ament_index/resource_index/packages', ['resource/' + package_name]),
        ('share/' + package_name, ['package.xml']),
        ('share/' + package_name + '/launch', _files('launch/*.launch.py')),
        ('share/' + package_name + '/config',
         _files('config/*.yaml') + _files('config/*.rviz') + _files('config/*.xml')),
        ('share/' + package_name + '/config/models', _files('config/models/*.yaml')),
    ],
    install_requires=['setuptools'],
    extras_require={
        'onnxruntime': core + ['onnxruntime>=1.14'],
        'tensorrt': core + ['tensorrt>=8.5', 'pycuda>=2022.1'],
        # remote inference on Triton Inference Server (backend: triton)
        'triton': core + ['tritonclient[grpc,http]>=2.30'],
        # jetson-dnn eval / compare: COCO AP (pycocotools) and plots (matplotlib)
        'eval': core + ['pycocotools>=2.0.6', 'matplotlib>=3.5'],
        'test': core + ['onnxruntime>=1.14', 'onnx>=1.13', 'pycocotools>=2.0.6',
                        'matplotlib>=3.5', 'pytest>=7'] + lint,
    },
    python_requires='>=3.10',
    zip_safe=True,
    maintainer='jetson_dnn_ros maintainers',
    maintainer_email='maintainers@jetson-dnn-ros.dev',
    description='DNN perception lifecycle nodes for ROS 2 with TensorRT and ONNX Runtime',
    license='Apache-2.0',
    tests_require=['pytest'],
    entry_points={
        'console_scripts': [
            'jetson-dnn = jetson_dnn_ros.cli:main',
            'classification_node = jetson_dnn_ros.ros.classification_node:main',
            'detection_node = jetson_dnn_ros.ros.detection_node:main',
            'segmentation_node = jetson_dnn_ros.ros.segmentation_node:main',
            'pose_node = jetson_dnn_ros.ros.pose_node:main',
            'depth_node = jetson_dnn_ros.ros.depth_node:main',
            'instance_segmentation_node = '
            'jetson_dnn_ros.ros.instance_segmentation_node:main',
            'perception = jetson_dnn_ros.ros.perception:main',
        ],
    },
)
