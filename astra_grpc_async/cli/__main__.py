"""`python -m astra_grpc_async.cli` runs the `astra-grpc` command."""

import sys

from .main import main

sys.exit(main())
