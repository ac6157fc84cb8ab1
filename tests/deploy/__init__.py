"""Deploy tests: boto3 against moto's server and our local Braket endpoint (a package, so that its
conftest and helpers do not collide with those of other test folders)."""
