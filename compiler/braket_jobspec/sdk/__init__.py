"""The SDK's semantics: a merged spec and its context to the CreateJob request and the manifest.

fields.py lists the parameters; builder.py applies the SDK's defaults and derivations, with
sources.py (the source module) and inputs.py (the channels) over one workspace.py; archive.py,
entrypoint.py and images.py are what the SDK packs, runs and pulls; s3uri.py reads S3 URIs.
"""
