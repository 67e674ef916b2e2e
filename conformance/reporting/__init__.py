"""Reports written from a run's result document."""
