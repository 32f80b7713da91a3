"""Running the site as several app servers over one PostgreSQL and one Redis (docs/deploy.md).

`servers` starts and stops gunicorn app servers (and the background worker, when the project
has one) as separate processes; `checks` holds what must hold across them, used both by
tests/scale/ and by the bench/scale/two_servers script.
"""
