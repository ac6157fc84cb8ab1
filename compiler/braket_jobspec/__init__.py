"""braket-jobspec: Amazon Braket hybrid jobs as reviewed files, compiled to exact CreateJob requests."""

__version__ = "0.1.0"
