"""A generated population on disk: its manifest, the ground truth and one file per agency."""
