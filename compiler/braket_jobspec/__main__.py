from braket_jobspec.cli import run

run()
