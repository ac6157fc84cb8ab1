"""Every diagnostic code: its title, its severity, and its section of docs/diagnostics.md.

The one list of codes. SARIF rules take their titles from here, and tests/diagnostics/test_codes.py
checks it against the source (every code emitted is here, every code here is emitted)
and against docs/diagnostics.md (every code has a section with a bad and a fixed example).
A code's letter is its severity: E for errors, W for warnings.
"""

from __future__ import annotations

from typing import NamedTuple

from braket_jobspec.diagnostics import Severity

DOCS_URI = "https://github.com/braket-jobspec/braket-jobspec/blob/main/docs/diagnostics.md"


class Code(NamedTuple):
    code: str
    title: str

    @property
    def severity(self) -> Severity:
        return "warning" if self.code.startswith("W") else "error"

    @property
    def anchor(self) -> str:
        """The section's anchor in docs/diagnostics.md (GitHub's for a `### E101` heading)."""
        return self.code.lower()

    @property
    def help_uri(self) -> str:
        return f"{DOCS_URI}#{self.anchor}"


_TITLES = {
    # Reading a spec file (load/) and its bases (load/bases.py)
    "E101": "file over the size limit",
    "W102": "byte order mark",
    "E103": "not UTF-8 text",
    "E104": "unknown spec format",
    "E105": "spec file cannot be read",
    "E106": "spec file outside the repository",
    "W106": "mixed line endings",
    "E110": "YAML directive",
    "E111": "invalid YAML",
    "E112": "several YAML documents",
    "E113": "empty file",
    "E114": "document is not a mapping",
    "E115": "anchor, alias or merge key",
    "E116": "key that is not a string",
    "E117": "duplicate key",
    "E118": "nesting too deep",
    "E119": "date or time where a string is meant",
    "E120": "number JSON cannot carry",
    "E121": "YAML tag",
    "E122": "tab in indentation",
    "E123": "too many keys and values",
    "E124": "lone surrogate",
    "E130": "invalid TOML",
    "E150": "extends is not a path",
    "E151": "base not found",
    "E152": "cycle of bases",
    "E153": "base is not a spec file",
    "E154": "base outside the repository",
    "E155": "chain of bases too long",
    "E156": "unset is not a list of paths",
    "W157": "unset removes nothing",
    # The spec schema and its rules (check/)
    "E201": "unknown key",
    "E202": "missing required key",
    "E203": "wrong type",
    "E204": "value not allowed",
    "E205": "value not in the required format",
    "E206": "value out of bounds",
    "E207": "reserved tag prefix",
    # The project config and the context (config/)
    "E301": "invalid project config",
    "E302": "unknown or wrong key in the project config",
    "E303": "invalid context value",
    "E304": "no region",
    "E305": "no default bucket",
    "E306": "no role",
    "E307": "unknown environment",
    # What the SDK derives (sdk/)
    "E401": "path not found",
    "W401": "number sent differently than written",
    "E402": "path outside the repository",
    "W402": "value looks like an AWS credential",
    "W403": "value looks like a token or password",
    "W404": "input uploads a secret or a Git folder",
    "W405": "device not in the catalogue",
    "W406": "device retired",
    "E403": "not a device ARN",
    "E404": "unknown image or framework",
    "E405": "image not published in the region",
    "E406": "S3 source without entry point",
    "E407": "S3 source is not a .tar.gz archive",
    "E408": "source cannot be archived",
    "E409": "entry point not found",
    "E410": "not an S3 URI",
    "E411": "input symlink out of its folder",
    "E412": "empty input folder",
    "E413": "S3 location the SDK cannot address",
    "E414": "input that is not a regular file",
    "E415": "input folder over the tree limits",
    "E416": "input file name that is not UTF-8",
    "E417": "local simulator the SDK does not have",
    "E418": "device named in another region than its own",
    "E419": "reservation with a simulator",
    "E420": "reservation in another region than its device",
    "E421": "device not in the catalogue (--strict-devices)",
    # The request against CreateJob (check/request.py)
    "E501": "request breaks a CreateJob constraint",
    # Deploying (deploy/, artifact.py)
    "E601": "artifact cannot be deployed",
    "E602": "source changed since the compile",
    "E603": "input file changed since the compile",
    "E604": "artifacts conflict",
    "E605": "artifact not what its spec compiles to",
    "E610": "no usable AWS credentials",
    "E611": "credentials of another account",
    "E612": "access denied",
    "E613": "throttled",
    "E614": "network or server failure",
    "E615": "bucket does not exist",
    "E616": "bytes changed during the upload",
    "E617": "checkpoint job without a checkpoint location",
    "E620": "a different job has this name",
    "E621": "request rejected by the service",
    "E622": "device offline",
    "E623": "device retired",
    "E624": "service quota exhausted",
    "E625": "job failed or was cancelled",
    "E626": "job did not end in time",
    "E627": "no such job",
    "E628": "job cannot be cancelled",
    "E629": "other AWS error",
    "E630": "boto3 not installed",
    "E631": "device not ONLINE (--check-devices)",
    "E632": "device retired (--check-devices)",
    "E633": "no such device (--check-devices)",
    "E640": "compiled job FAILED (status)",
    "E641": "jobs still running at --watch-timeout (status)",
    "E645": "no job of that name (results)",
    "E646": "no results yet (results)",
    "E647": "output archive or results.json damaged (results)",
    "E648": "output archive refused as unsafe or too large (results)",
    "E649": "pickled results without --allow-pickle (results)",
    "E650": "job not deployed (logs)",
    "E651": "not a job ARN or compiled request (logs)",
    "E652": "job not found (logs)",
    "E653": "followed job failed or was cancelled (logs --follow)",
    # Local runs (localrun/)
    "E701": "run target cannot be used",
    "E702": "source changed since the compile",
    "E703": "input file changed since the compile",
    "E704": "S3 data without credentials",
    "E705": "S3 data cannot be downloaded",
    "E706": "work folder not free",
    "E707": "requirements not installed",
    "E708": "job failed",
    "E709": "job ran past its maximum runtime",
    "E710": "hyperparameter does not convert",
    "W711": "string meant as false for a bool parameter",
    "W712": "data parallelism runs as one process",
    # Outputs and the GitOps commands (compile/outputs.py, gitops/)
    "E801": "compiled output missing",
    "E802": "compiled output stale",
    "E803": "compiled output without a spec",
    "E804": "diff operand is not a request",
    "W805": "job only partly recovered",
    "E806": "file exists",
    "E807": "outputs cannot be written",
    "E808": "output folder inside a source or input folder",
}

CODES: dict[str, Code] = {code: Code(code, title) for code, title in _TITLES.items()}
