"""nnplug-multilabel: multi-label classification for nnplug, a task the built-ins lack (example package)."""
