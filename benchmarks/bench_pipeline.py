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
Pipeline benchmark: end-to-end / engine-only per task, and ours / the YOLOX demo.

Same as ``jetson-dnn bench`` (this only calls :func:`jetson_dnn_ros.cli.run_benchmark`)::

    python3 benchmarks/bench_pipeline.py --iterations 30 [--overlay] [--tasks detection]
"""

import argparse
from pathlib import Path
import sys

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from jetson_dnn_ros.cli import add_bench_arguments, cmd_bench  # noqa: E402


def main(argv=None) -> int:
    """Parse the benchmark options and run it."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_bench_arguments(parser)
    return cmd_bench(parser.parse_args(argv))


if __name__ == '__main__':
    sys.exit(main())
