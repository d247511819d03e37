"""The built-in executors: ``sequential`` (the default) and ``processes`` (local worker processes)."""
