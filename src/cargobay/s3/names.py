"""Bucket-name, object-key, part-number and storage-class validation (pure; AWS naming rules).

Why here: the store and the HTTP layer must agree on what a valid name is, and a conformance
test must be able to compare us with AWS rule by rule.
"""

from __future__ import annotations

import functools
import re

from cargobay.s3.errors import InvalidArgument, InvalidBucketName, InvalidStorageClass, KeyTooLongError

MAX_KEY_BYTES = 1024
# API_UploadPart.html: "Part number of part being uploaded. This is a positive integer between 1 and 10,000."
MAX_PART_NUMBER = 10_000

# API_PutObject.html, x-amz-storage-class "Valid Values". cargobay records the class a write names
# and reports it, but stores and serves every class alike (a label only); a request naming a class
# AWS does not know is refused as AWS does.
STORAGE_CLASSES = frozenset(
    {
        "STANDARD",
        "REDUCED_REDUNDANCY",
        "STANDARD_IA",
        "ONEZONE_IA",
        "INTELLIGENT_TIERING",
        "GLACIER",
        "DEEP_ARCHIVE",
        "OUTPOSTS",
        "GLACIER_IR",
        "SNOW",
        "EXPRESS_ONEZONE",
        "FSX_OPENZFS",
        "FSX_ONTAP",
    }
)

# API_CreateBucketConfiguration.html, LocationConstraint "Valid Values" (the SDKs' BucketLocationConstraint,
# December 2026): a value outside it names no Region (InvalidLocationConstraint); one inside it that is not
# the endpoint's own is a Region this endpoint does not serve (IllegalLocationConstraintException). us-east-1
# is not among them: a bucket there is asked for without a constraint.
LOCATION_CONSTRAINTS = frozenset(
    {
        "af-south-1",
        "ap-east-1",
        "ap-east-2",
        "ap-northeast-1",
        "ap-northeast-2",
        "ap-northeast-3",
        "ap-south-1",
        "ap-south-2",
        "ap-southeast-1",
        "ap-southeast-2",
        "ap-southeast-3",
        "ap-southeast-4",
        "ap-southeast-5",
        "ap-southeast-6",
        "ap-southeast-7",
        "ca-central-1",
        "ca-west-1",
        "cn-north-1",
        "cn-northwest-1",
        "EU",
        "eu-central-1",
        "eu-central-2",
        "eu-north-1",
        "eu-south-1",
        "eu-south-2",
        "eu-west-1",
        "eu-west-2",
        "eu-west-3",
        "il-central-1",
        "me-central-1",
        "me-south-1",
        "mx-central-1",
        "sa-east-1",
        "us-east-2",
        "us-gov-east-1",
        "us-gov-west-1",
        "us-west-1",
        "us-west-2",
    }
)

_BUCKET_RE = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_IPV4_RE = re.compile(r"^[0-9]{1,3}(\.[0-9]{1,3}){3}$")
_RESERVED_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
_RESERVED_SUFFIXES = ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")


def bucket_name_problem(name: str) -> str | None:
    """Why ``name`` is not a valid general-purpose bucket name, or None if it is."""
    if not 3 <= len(name) <= 63:
        return "Bucket names must be between 3 and 63 characters long."
    if not _BUCKET_RE.match(name):
        return (
            "Bucket names can consist only of lowercase letters, numbers, dots and hyphens, "
            "and must begin and end with a letter or number."
        )
    if ".." in name or ".-" in name or "-." in name:
        return "Bucket names must not contain two adjacent periods or a period next to a hyphen."
    if _IPV4_RE.match(name):
        return "Bucket names must not be formatted as an IP address."
    if name.startswith(_RESERVED_PREFIXES) or name.endswith(_RESERVED_SUFFIXES):
        return "Bucket names must not use a reserved prefix or suffix."
    return None


# API_CreateBucket.html, x-amz-bucket-namespace "Valid Values". bucketnamingrules.html: "Bucket names can
# only end with the suffix -an when you create a bucket in your account regional namespace" (names of the
# form prefix-accountId-region-an, gpbucketnamespaces.html). A rule for new names only: a directory of that
# name already in the served tree stays a bucket (bucket_name_problem does not look at it).
BUCKET_NAMESPACES = frozenset({"global", "account-regional"})
ACCOUNT_REGIONAL_SUFFIX = "-an"


def new_global_bucket_name_problem(name: str) -> str | None:
    """Why ``name`` may not be given to a bucket created now in the global namespace, or None."""
    problem = bucket_name_problem(name)
    if problem is None and name.endswith(ACCOUNT_REGIONAL_SUFFIX):
        return "Bucket names ending in -an are reserved for the account regional namespace."
    return problem


@functools.lru_cache(maxsize=1024)
def is_valid_bucket_name(name: str) -> bool:
    """Cached: every request to a bucket asks (the rules are a dozen string checks)."""
    return bucket_name_problem(name) is None


def check_bucket_name(name: str) -> None:
    """Raise InvalidBucketName (with the rule broken) unless ``name`` is valid."""
    problem = bucket_name_problem(name)
    if problem is not None:
        raise InvalidBucketName(problem, BucketName=name)


def check_key(key: str) -> None:
    """Raise unless ``key`` is a valid S3 object key (1 to 1024 bytes of UTF-8)."""
    if not key:
        raise InvalidArgument("Object keys must not be empty.")
    try:
        encoded = key.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidArgument("Object keys must be valid UTF-8.") from None
    if len(encoded) > MAX_KEY_BYTES:
        raise KeyTooLongError(Size=str(len(encoded)), MaxSizeAllowed=str(MAX_KEY_BYTES))


def check_part_number(value: str | int) -> int:
    """The part number ``value`` names (a ``partNumber`` query value, or an int from the store's
    callers): an integer from 1 to :data:`MAX_PART_NUMBER`, else 400 InvalidArgument naming
    ``partNumber`` (UploadPart, UploadPartCopy and GetObject/HeadObject ``?partNumber=``)."""
    # Decimal digits only: int() would also read "1_0", " 5" or other scripts' digits as numbers.
    text = str(value)
    number = int(text) if text.isascii() and text.isdigit() else 0
    if not 1 <= number <= MAX_PART_NUMBER:
        raise InvalidArgument(
            "Part number must be an integer between 1 and 10000, inclusive",
            ArgumentName="partNumber",
            ArgumentValue=str(value),
        )
    return number


def check_storage_class(value: str | None) -> None:
    """InvalidStorageClass unless ``value`` (an x-amz-storage-class header, None: absent) is one AWS knows."""
    if value is not None and value not in STORAGE_CLASSES:
        raise InvalidStorageClass()
