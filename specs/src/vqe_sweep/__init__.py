"""A VQE sweep over the molecules of an input channel."""
