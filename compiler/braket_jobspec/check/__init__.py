"""Checks: schemas and rules turned into diagnostics; a Document is never changed here.

schemas.py loads the two schemas; spec.py checks a spec against its schema, with rules.py
for what a schema cannot say; request.py checks the built request against CreateJob;
formats.py words the formats of names, ARNs and URIs; place.py puts each finding at its
key, value or character; fastcheck/ holds the generated validators of the valid case.
"""
