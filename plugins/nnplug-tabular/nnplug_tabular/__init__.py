"""nnplug's tabular data loader (numeric CSV files, regression)."""
