"""System checks for how the site is deployed (shown by `manage.py check --deploy`)."""

from django.conf import settings
from django.core.checks import Tags, Warning, register

# Caches that live inside one process: with several app processes, each keeps its own copy.
PROCESS_LOCAL_CACHES = {
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
}


@register(Tags.caches, deploy=True)
def check_shared_cache(app_configs, **kwargs) -> list[Warning]:
    backend = settings.CACHES.get("default", {}).get("BACKEND", "")
    if settings.DEBUG or backend not in PROCESS_LOCAL_CACHES:
        return []
    return [
        Warning(
            f"The default cache ({backend.rsplit('.', 1)[-1]}) lives inside each process.",
            hint=(
                "Log-in throttling and the sandbox's rate limits are counted in the default "
                "cache; with several app processes each would count on its own, multiplying "
                "every limit. Set CACHE_URL to a Redis server that all app processes share."
            ),
            id="learnapp.W001",
        )
    ]
