"""The tool's signing keys (django-lti's Key rows).

The newest active key signs; every active key is published in the JWKS, so that a platform
holding a token or a cached key set signed with the previous key can still verify it after a
rotation. Retiring takes the older keys out of the JWKS.
"""

from django.db import transaction
from lti_tool.models import Key


def signing_key() -> Key:
    """The key the tool signs with, made the first time one is needed."""
    try:
        return Key.objects.active().latest()
    except Key.DoesNotExist:
        return Key.objects.generate()


def rotate() -> Key:
    return Key.objects.generate()


def retire_old() -> int:
    """Unpublish every active key but the newest; returns how many were retired."""
    with transaction.atomic():
        newest = signing_key()
        return Key.objects.active().exclude(pk=newest.pk).update(is_active=False)


def jwks() -> dict:
    signing_key()
    return Key.objects.as_jwks()
