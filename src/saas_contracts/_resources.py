"""Files shipped inside the package (schemas, rules, fixtures): the one place that locates them."""

from __future__ import annotations

import importlib.resources
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable

__all__ = ["packaged"]


def packaged(*parts: str) -> Traversable:
    """The packaged resource at ``parts`` under ``saas_contracts`` (e.g. ``packaged("_schemas")``).

    Works the same from a checkout, an installed wheel or a zip import; the
    resource need not exist (check ``is_file()``/``is_dir()``).
    """
    resource = importlib.resources.files("saas_contracts")
    for part in parts:
        resource = resource / part
    return resource
