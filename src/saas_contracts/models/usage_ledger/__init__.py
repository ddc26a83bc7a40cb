"""Public models of the usage-ledger contract, one module per major (see scripts/codegen.py). DO NOT EDIT."""
