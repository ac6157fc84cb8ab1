"""Entry point: one VQE run per molecule file of the `molecules` channel."""

import json
import os
from pathlib import Path


def run(ansatz: str = "uccsd", learning_rate: float = 0.05, shots: int = 0, use_noise: bool = False) -> None:
    from braket.jobs import save_job_result

    folder = Path(os.environ["AMZN_BRAKET_INPUT_DIR"]) / "molecules"
    results = {}
    for path in sorted(folder.glob("*.json")):
        molecule = json.loads(path.read_text())
        results[molecule["name"]] = {"ansatz": ansatz, "qubits": molecule["qubits"], "lr": learning_rate}
    save_job_result({"molecules": results, "shots": shots, "noise": use_noise})
