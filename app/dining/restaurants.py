"""The restaurant catalog: import (async, parsed by a worker) and listing."""

from __future__ import annotations
