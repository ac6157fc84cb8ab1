"""Prepare a Bell state on the job's device and save the measurement counts as the job result.

The job's entry point is `bell`, a module without a callable, so the job container runs it
as __main__. Everything comes from the container's environment through the SDK's in-job
helpers: the device (`local:braket/braket_sv` runs the SDK's embedded state-vector
simulator, offline) and the hyperparameters (strings: `shots` is "1000"). The result goes
to <AMZN_BRAKET_JOB_RESULTS_DIR>/results.json, which is what the job's result() returns.
"""

from braket.circuits import Circuit
from braket.devices import Device
from braket.jobs import get_hyperparameters, get_job_device_arn, save_job_result


def device_for(arn: str) -> Device:
    if arn.startswith("local:"):
        from braket.devices import LocalSimulator

        # local:<provider>/<simulator>: LocalSimulator takes the simulator's name.
        return LocalSimulator(arn.split("/", 1)[1])
    from braket.aws import AwsDevice

    return AwsDevice(arn)


def main() -> None:
    shots = int(get_hyperparameters().get("shots", "100"))
    device = device_for(get_job_device_arn())
    bell = Circuit().h(0).cnot(0, 1)
    counts = dict(device.run(bell, shots=shots).result().measurement_counts)
    print(f"bell counts over {shots} shots on {get_job_device_arn()}: {counts}")
    save_job_result({"counts": counts, "shots": shots})


if __name__ == "__main__":
    main()
