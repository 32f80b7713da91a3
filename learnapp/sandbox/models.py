"""Sandbox keys, the access log of the mock API, and the challenges a learner has completed.

A key belongs to a Learner, so visitors without an account have keys too (kept with their
session's Learner). Only a SHA-256 hash of a key is stored; the key itself exists in the response
that created it and nowhere else.
"""

from datetime import datetime, timedelta

from django.db import models
from django.utils import timezone

from learnapp.learning.models import Learner

from . import keys


class Scope(models.TextChoices):
    READ = "read", "Read"
    WRITE = "write", "Write"


class Category(models.TextChoices):
    """How a request counts in the access log summary (the lesson's table, plus two rows)."""

    VALID = "valid", "Valid Requests"
    INVALID_KEY = "invalid_key", "Invalid Keys"
    EXPIRED_KEY = "expired_key", "Expired Keys"
    RATE_LIMITED = "rate_limited", "Rate Limit Hits"
    UNAUTHORIZED = "unauthorized", "Unauthorized Use"
    NO_CREDENTIALS = "no_credentials", "Missing or misplaced keys"
    BAD_REQUEST = "bad_request", "Other bad requests"
    # Only the faults a learner asks for (X-Sandbox-Fault): the sandbox has no others to show.
    SERVER_ERROR = "server_error", "Server errors (5xx)"


class Source(models.TextChoices):
    HTTP = "http", "HTTP"
    PLAYGROUND = "playground", "Playground"


class SandboxKeyQuerySet(models.QuerySet):
    def of(self, learner: Learner | None):
        return self.filter(learner=learner) if learner is not None else self.none()

    def working(self, now: datetime):
        """Keys a request could use right now: a rotating key whose overlap window is still
        open works, so it counts, as it does in `SandboxKey.status`."""
        return self.filter(
            models.Q(revoked_at__isnull=True) | models.Q(revoked_at__gt=now),
            models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now),
        )


class SandboxKey(models.Model):
    learner = models.ForeignKey(Learner, on_delete=models.CASCADE, related_name="sandbox_keys")
    # The public part of the key (`sbx_test_<key_id>_<secret>`): how a request finds its key with
    # one indexed lookup, and what pages and logs show instead of the key.
    key_id = models.CharField(max_length=12, unique=True)
    key_hash = models.CharField(max_length=64)
    name = models.CharField(max_length=60)
    scopes = models.JSONField(default=list)
    rate_limit_per_minute = models.PositiveIntegerField(default=60)
    # IP addresses and CIDR ranges as strings; empty means any address.
    allowed_networks = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True)
    # A time in the future is a revocation already decided: the end of a rotation's overlap.
    revoked_at = models.DateTimeField(null=True, blank=True)
    rotation_started_at = models.DateTimeField(null=True, blank=True)
    replaced_by = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="replaces"
    )

    objects = SandboxKeyQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix})"

    @property
    def prefix(self) -> str:
        return keys.masked(self.key_id)

    def is_revoked(self, now: datetime | None = None) -> bool:
        return self.revoked_at is not None and self.revoked_at <= (now or timezone.now())

    def is_expired(self, now: datetime | None = None) -> bool:
        return self.expires_at is not None and self.expires_at <= (now or timezone.now())

    def is_rotating(self, now: datetime | None = None) -> bool:
        """In a rotation's overlap window: replaced, but still accepted for a while."""
        return self.replaced_by_id is not None and not self.is_revoked(now)

    def status(self, now: datetime | None = None) -> str:
        now = now or timezone.now()
        if self.is_revoked(now):
            return "revoked"
        if self.is_expired(now):
            return "expired"
        if self.is_rotating(now):
            return "rotating"
        return "active"

    @property
    def read_only(self) -> bool:
        return Scope.WRITE not in self.scopes

    def revoke(self, now: datetime | None = None) -> None:
        """Revoke now. Final: a revoked key is never accepted again, and nothing un-revokes it."""
        now = now or timezone.now()
        if self.is_revoked(now):
            return
        self.revoked_at = now
        self.save(update_fields=["revoked_at"])


def create_key(
    learner: Learner,
    *,
    name: str,
    scopes: list[str],
    rate_limit_per_minute: int = 60,
    expires_at: datetime | None = None,
    allowed_networks: list[str] | None = None,
) -> tuple[SandboxKey, str]:
    """A new key and its full value, which the caller shows once and never stores."""
    minted = keys.new_key()
    key = SandboxKey.objects.create(
        learner=learner,
        key_id=minted.key_id,
        key_hash=minted.hash,
        name=name,
        scopes=sorted(set(scopes)),
        rate_limit_per_minute=rate_limit_per_minute,
        expires_at=expires_at,
        allowed_networks=allowed_networks or [],
    )
    return key, minted.raw


def rotate_key(old: SandboxKey, overlap: timedelta) -> tuple[SandboxKey, str]:
    """Create the replacement; the old key stays valid for `overlap`, then counts as revoked.

    The replacement copies the old key's settings, and its lifetime if it had one.
    """
    now = timezone.now()
    lifetime = old.expires_at - old.created_at if old.expires_at else None
    new, raw = create_key(
        old.learner,
        name=old.name,
        scopes=old.scopes,
        rate_limit_per_minute=old.rate_limit_per_minute,
        expires_at=now + lifetime if lifetime else None,
        allowed_networks=old.allowed_networks,
    )
    old.replaced_by = new
    old.rotation_started_at = now
    old.revoked_at = now + overlap
    old.save(update_fields=["replaced_by", "rotation_started_at", "revoked_at"])
    return new, raw


class AccessLogEntryQuerySet(models.QuerySet):
    def of(self, learner: Learner | None):
        return self.filter(learner=learner) if learner is not None else self.none()

    def trim(self, learner_id: int | None, keep: int) -> int:
        """Delete all but the newest `keep` rows of one learner's log (or of the rows that
        belong to nobody, for None); the number deleted."""
        rows = self.filter(learner_id=learner_id) if learner_id else self.filter(learner=None)
        oldest_kept = rows.order_by("-created_at", "-pk").values_list("created_at", "pk")[
            keep - 1 : keep
        ]
        if not oldest_kept:
            return 0
        created_at, pk = oldest_kept[0]
        older = models.Q(created_at__lt=created_at) | models.Q(created_at=created_at, pk__lt=pk)
        return rows.filter(older).delete()[0]

    def older_than(self, cutoff: datetime):
        return self.filter(created_at__lt=cutoff)


class AccessLogEntry(models.Model):
    """One request to the sandbox API. Never the key, never the Authorization header."""

    # Whose log this is: the key's owner, or the playground's user when no key was recognised.
    learner = models.ForeignKey(
        Learner, null=True, blank=True, on_delete=models.CASCADE, related_name="sandbox_requests"
    )
    key = models.ForeignKey(
        SandboxKey, null=True, blank=True, on_delete=models.SET_NULL, related_name="requests"
    )
    key_prefix = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    method = models.CharField(max_length=16)
    # Path and query, with any key-like value masked.
    path = models.CharField(max_length=300)
    status = models.PositiveSmallIntegerField()
    outcome = models.CharField(max_length=40)
    category = models.CharField(max_length=20, choices=Category.choices)
    source = models.CharField(max_length=12, choices=Source.choices, default=Source.HTTP)
    latency_ms = models.FloatField()
    retry_after = models.PositiveIntegerField(null=True, blank=True)
    # A streamed completion's time to its first token; empty for answers sent whole, where the
    # first token arrives with the last (latency_ms).
    ttft_ms = models.FloatField(null=True, blank=True)
    # A completion's usage block and its price (pricing.PRICES); empty for other requests.
    prompt_tokens = models.PositiveIntegerField(null=True, blank=True)
    completion_tokens = models.PositiveIntegerField(null=True, blank=True)
    cost_usd = models.DecimalField(max_digits=12, decimal_places=9, null=True, blank=True)

    objects = AccessLogEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["learner", "created_at"]),
            models.Index(fields=["key", "created_at"]),
        ]
        verbose_name_plural = "access log entries"

    def __str__(self) -> str:
        return f"{self.method} {self.path} {self.status}"

    @property
    def is_success(self) -> bool:
        return 200 <= self.status < 300


class ChallengeCompletion(models.Model):
    learner = models.ForeignKey(
        Learner, on_delete=models.CASCADE, related_name="sandbox_challenges"
    )
    challenge = models.CharField(max_length=40)
    completed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["learner", "challenge"], name="one_completion_per_challenge"
            )
        ]

    def __str__(self) -> str:
        return f"{self.learner_id} completed {self.challenge}"
