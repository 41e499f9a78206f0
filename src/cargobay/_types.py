"""Type aliases shared across the package."""

from __future__ import annotations

import os
from typing import NewType, TypeAlias

StrPath: TypeAlias = "str | os.PathLike[str]"
BucketName = NewType("BucketName", str)
ObjectKey = NewType("ObjectKey", str)
ETag = NewType("ETag", str)
