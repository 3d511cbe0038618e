"""Video and landmark input/output."""
