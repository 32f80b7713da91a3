import ipaddress
import re
from decimal import Decimal

from django import forms

from . import logs
from .models import Scope

MAX_NETWORKS = 10

EXPIRY_CHOICES = [
    ("", "Never"),
    ("60", "In 1 minute (to practise an expired key)"),
    ("3600", "In 1 hour"),
    ("86400", "In 1 day"),
    ("2592000", "In 30 days"),
]

OVERLAP_CHOICES = [
    ("120", "2 minutes"),
    ("600", "10 minutes"),
    ("3600", "1 hour"),
    ("86400", "1 day"),
]


class KeyForm(forms.Form):
    name = forms.CharField(max_length=60, initial="My first key")
    scopes = forms.MultipleChoiceField(
        choices=Scope.choices,
        widget=forms.CheckboxSelectMultiple,
        initial=[Scope.READ, Scope.WRITE],
        help_text="Read allows GET requests; write allows POST requests.",
    )
    expires_in = forms.TypedChoiceField(
        label="Expires",
        choices=EXPIRY_CHOICES,
        coerce=int,
        empty_value=None,
        required=False,
    )
    rate_limit_per_minute = forms.IntegerField(
        label="Rate limit (requests per minute)",
        min_value=1,
        max_value=600,
        initial=60,
        help_text="A small limit such as 5 makes a 429 easy to see.",
    )
    allowed_networks = forms.CharField(
        label="Allowed addresses (optional)",
        required=False,
        max_length=500,
        help_text="IP addresses or CIDR ranges, separated by commas or spaces. Empty allows any "
        "address.",
    )

    def clean_allowed_networks(self) -> list[str]:
        entries = [e for e in re.split(r"[\s,]+", self.cleaned_data["allowed_networks"]) if e]
        if len(entries) > MAX_NETWORKS:
            raise forms.ValidationError(f"At most {MAX_NETWORKS} addresses or ranges.")
        networks = []
        for entry in entries:
            try:
                networks.append(str(ipaddress.ip_network(entry, strict=False)))
            except ValueError:
                raise forms.ValidationError(
                    f"“{entry[:60]}” is not an IP address or CIDR range (such as 203.0.113.0/24)."
                ) from None
        return networks


class RotateForm(forms.Form):
    overlap = forms.TypedChoiceField(
        label="Overlap window",
        choices=OVERLAP_CHOICES,
        coerce=int,
        initial="600",
        help_text="How long the old key keeps working after the new one exists.",
    )


class PlaygroundForm(forms.Form):
    METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"]

    key = forms.CharField(
        label="Your sandbox key",
        required=False,
        max_length=200,
        strip=True,
        widget=forms.PasswordInput(
            render_value=False, attrs={"autocomplete": "off", "spellcheck": "false"}
        ),
        help_text="Wherever {key} appears below, this key is put in its place. It is never "
        "shown again on this page.",
    )
    method = forms.ChoiceField(choices=[(m, m) for m in METHODS], initial="GET")
    path = forms.CharField(max_length=300, initial="/sandbox/api/data")
    query = forms.CharField(
        label="Query string",
        required=False,
        max_length=2000,
        help_text="For example limit=2 (without the ?).",
    )
    body = forms.CharField(
        label="JSON body",
        required=False,
        max_length=70 * 1024,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 5, "spellcheck": "false"}),
    )
    repeat = forms.IntegerField(
        label="Send it this many times",
        min_value=1,
        max_value=20,
        initial=1,
        help_text="Several times in a row reaches a small rate limit.",
    )


class MetricsForm(forms.Form):
    """The metrics page's period and the cost budget to judge against (GET, all optional)."""

    period = forms.ChoiceField(
        choices=[(value, label) for value, (label, _) in logs.PERIODS.items()],
        required=False,
    )
    budget = forms.DecimalField(
        label="Budget per request (US$)",
        min_value=Decimal("0.000001"),
        max_value=Decimal("100"),
        max_digits=12,
        decimal_places=6,
        required=False,
        help_text="The lesson's example is $0.01; try a smaller one to see the verdict change.",
    )
