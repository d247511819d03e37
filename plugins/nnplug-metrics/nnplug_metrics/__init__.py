"""Engine-neutral metrics of nnplug: Classes (classification accuracy) and R2 (regression)."""
