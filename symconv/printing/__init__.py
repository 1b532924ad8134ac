"""Printers: subclasses of SymPy's printers, one module per target."""
