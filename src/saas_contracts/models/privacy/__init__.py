"""Public models of the privacy contract, one module per major (see scripts/codegen.py). DO NOT EDIT."""
