import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "learnapp.settings")

application = get_wsgi_application()

# An app server's requests allocate thousands of short-lived objects each (a gradebook far
# more), which the default threshold of 700 turns into several garbage collections per
# request, each also walking the tens of thousands of objects Django and the project keep for
# the life of the process. Freezing those (they are never garbage) and collecting the young
# generation every 10,000 allocations instead cut a lesson page's CPU time by about a seventh,
# a test autosave's by a sixth and a gradebook's by a fifth. Reference counting still frees
# almost everything at once; only objects in reference cycles wait a little longer.
gc.freeze()
gc.set_threshold(10_000, 10, 10)
