"""nnplug-numpy: built-in nnplug plugins (kept light: importing the package imports no backend)."""
