"""The ``saas-contracts`` command line."""

from saas_contracts.cli._main import main

__all__ = ["main"]
