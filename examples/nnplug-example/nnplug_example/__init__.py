"""nnplug-example: a third-party nnplug plugin package, written against nnplug's public API only.

Kept light on purpose: ``bin/train --help`` reads the plugin modules' source without importing
them, and imports this package only to locate them.
"""
