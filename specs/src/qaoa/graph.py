"""The problem instance: a ring of six nodes."""

NODES = 6
EDGES = [(i, (i + 1) % NODES) for i in range(NODES)]


def cut_value(bits: str) -> int:
    return sum(1 for a, b in EDGES if bits[a] != bits[b])
