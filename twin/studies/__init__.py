"""Planning studies on a finished run directory (they never import the engine)."""
