"""The S3 conformance suite, as run from a checkout: ``pytest conformance [--s3-endpoint ...]``.

The tests themselves live in :mod:`cargobay.testing.conformance_suite` (one copy, shipped in the
package so ``cargobay conformance`` works from an install); each module here re-exports one
family so node ids read ``conformance/test_<family>.py::...``.
"""
