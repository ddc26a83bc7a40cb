"""Public models of the common contract, one module per major (see scripts/codegen.py). DO NOT EDIT."""
