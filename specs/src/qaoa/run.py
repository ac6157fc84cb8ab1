"""Entry point: optimise QAOA angles on the job's device, inside the reservation window."""

import os

from .graph import EDGES, NODES, cut_value


def circuit(gammas, betas):
    from braket.circuits import Circuit

    c = Circuit()
    for q in range(NODES):
        c.h(q)
    for gamma, beta in zip(gammas, betas):
        for a, b in EDGES:
            c.zz(a, b, 2 * gamma)
        for q in range(NODES):
            c.rx(q, 2 * beta)
    return c


def main(p: int = 1, shots: int = 100, optimizer: str = "COBYLA", max_iterations: int = 20) -> None:
    from braket.aws import AwsDevice
    from braket.jobs import save_job_result
    from scipy.optimize import minimize

    device = AwsDevice(os.environ["AMZN_BRAKET_DEVICE_ARN"])

    def energy(angles):
        counts = device.run(circuit(angles[:p], angles[p:]), shots=shots).result().measurement_counts
        return -sum(cut_value(bits) * n for bits, n in counts.items()) / shots

    best = minimize(energy, [0.5] * (2 * p), method=optimizer, options={"maxiter": max_iterations})
    save_job_result({"angles": list(best.x), "expected_cut": -best.fun})
