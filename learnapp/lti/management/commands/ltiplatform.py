from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import URLValidator
from django.db import transaction
from django.urls import reverse
from lti_tool.models import LtiDeployment, LtiRegistration

from learnapp.lti import keys
from learnapp.lti.models import Platform, platform_for, validate_origins


def tool_urls(base: str) -> dict[str, str]:
    """What to paste into the LMS. Deep linking requests go to the launch URL too."""
    return {
        "Login (OIDC initiation) URL": base + reverse("lti:login"),
        "Launch / redirect URL": base + reverse("lti:launch"),
        "Public keyset (JWKS) URL": base + reverse("lti:jwks"),
        "Deep linking URL": base + reverse("lti:launch"),
    }


class Command(BaseCommand):
    help = "Register an LTI 1.3 platform (add, idempotent) or show the registered ones (list)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser("add", help="Register a platform, or update it if already there.")
        add.add_argument("--name", required=True)
        add.add_argument("--issuer", required=True)
        add.add_argument("--client-id", required=True)
        add.add_argument("--deployment-id", required=True, action="append")
        add.add_argument("--auth-login-url", required=True)
        add.add_argument("--auth-token-url", required=True)
        add.add_argument("--keyset-url", required=True)
        add.add_argument(
            "--frame-origin",
            action="append",
            default=[],
            help="An origin the LMS's pages are served from (repeatable); default: the issuer's.",
        )
        sub.add_parser("list", help="Registered platforms and the tool URLs for each.")

    def handle(self, *args, action: str, **options):
        if action == "add":
            self.add(options)
        self.list()

    def add(self, options):
        validate_url = URLValidator(schemes=["https", "http"])
        try:
            for option in ("auth_login_url", "auth_token_url", "keyset_url"):
                validate_url(options[option])
            validate_origins(" ".join(options["frame_origin"]))
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        with transaction.atomic():
            registration, created = LtiRegistration.objects.update_or_create(
                issuer=options["issuer"],
                client_id=options["client_id"],
                defaults={
                    "name": options["name"],
                    "auth_url": options["auth_login_url"],
                    "token_url": options["auth_token_url"],
                    "keyset_url": options["keyset_url"],
                    "is_active": True,
                },
            )
            for deployment_id in options["deployment_id"]:
                LtiDeployment.objects.update_or_create(
                    registration=registration,
                    deployment_id=deployment_id,
                    defaults={"is_active": True},
                )
            if options["frame_origin"]:
                Platform.objects.update_or_create(
                    registration=registration,
                    defaults={"frame_origins": " ".join(options["frame_origin"])},
                )
            keys.signing_key()
        self.stdout.write(f"{'Registered' if created else 'Updated'} {registration.name}.\n")

    def list(self):
        base = settings.SITE_URL
        registrations = LtiRegistration.objects.prefetch_related("deployments").order_by("name")
        if not registrations:
            self.stdout.write("No platforms registered. Add one with 'ltiplatform add'.")
        for registration in registrations:
            deployments = ", ".join(
                d.deployment_id + ("" if d.is_active else " (inactive)")
                for d in registration.deployments.all()
            )
            self.stdout.write(
                f"{registration.name}{'' if registration.is_active else ' (inactive)'}\n"
                f"  issuer: {registration.issuer}\n"
                f"  client ID: {registration.client_id}\n"
                f"  deployments: {deployments or 'none'}\n"
                f"  may frame learnapp: {' '.join(platform_for(registration).framing_origins())}\n"
                "  Paste into the LMS:\n"
            )
            for label, url in tool_urls(base).items():
                self.stdout.write(f"    {label}: {url}")
            self.stdout.write("")
