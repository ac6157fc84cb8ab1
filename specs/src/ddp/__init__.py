"""A hybrid quantum-classical classifier trained with PyTorch DDP."""
