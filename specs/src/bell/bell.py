"""Prepare a Bell state on the job's device and save the measurement counts as the job result.

Run as the job's entry point (`bell`, a module run as __main__). Reads the device and
hyperparameters from the environment the job container sets.
"""

import json
import os


def device_for(arn: str):
    if arn.startswith("local:"):
        from braket.devices import LocalSimulator

        return LocalSimulator(arn.split("/", 1)[1])
    from braket.aws import AwsDevice

    return AwsDevice(arn)


def main() -> None:
    from braket.circuits import Circuit
    from braket.jobs import save_job_result

    with open(os.environ["AMZN_BRAKET_HP_FILE"]) as f:
        hyperparameters = json.load(f)
    shots = int(hyperparameters.get("shots", "100"))
    device = device_for(os.environ["AMZN_BRAKET_DEVICE_ARN"])
    bell = Circuit().h(0).cnot(0, 1)
    counts = dict(device.run(bell, shots=shots).result().measurement_counts)
    print(f"bell counts over {shots} shots: {counts}")
    save_job_result({"counts": counts, "shots": shots})


if __name__ == "__main__":
    main()
