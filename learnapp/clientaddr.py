"""The client's address, read through trusted reverse proxies only.

Behind the TLS proxy the README prescribes, every request's socket peer (REMOTE_ADDR) is the
proxy. Throttling, the sandbox's allowed-address lists and its access log need the client's own
address, which the proxy appends to X-Forwarded-For. That header is only as trustworthy as
whoever wrote it: a client can send any X-Forwarded-For it likes. So it is read only when the
peer is one of the proxies named in TRUSTED_PROXIES (addresses or networks), and then from the
right, skipping trusted proxies, so that the first untrusted hop is the client. Without that
setting, REMOTE_ADDR is the client, as it is when the app is reached directly.

The middleware rewrites REMOTE_ADDR once, at the top of the stack, so every later reader (the
log-in throttle, the sandbox, Django itself) agrees on one address; the peer is kept in
META["learnapp.peer_addr"].
"""

import ipaddress
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
PEER_KEY = "learnapp.peer_addr"


def parse_networks(values: Iterable[str]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(value.strip(), strict=False) for value in values if value)


def _is_trusted(address: str, trusted: tuple[Network, ...]) -> bool:
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(parsed in network for network in trusted)


def client_address(meta: dict, trusted: tuple[Network, ...]) -> str:
    """The first hop, from the right, that is not a trusted proxy; the peer if none."""
    peer = meta.get("REMOTE_ADDR", "")
    if not trusted or not _is_trusted(peer, trusted):
        return peer
    hops = [hop.strip() for hop in meta.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    for hop in reversed(hops):
        if not hop:
            continue
        try:
            ipaddress.ip_address(hop)
        except ValueError:
            # Garbage in the chain: nothing left of it can be trusted, so stop at the last
            # hop we could vouch for.
            return peer
        if not _is_trusted(hop, trusted):
            return hop
        peer = hop
    return peer


def budget_key(address: str) -> str:
    """The client an address stands for when counting against a limit: the canonical address,
    or its /64 network for IPv6, since one subscriber usually holds a whole /64 and a budget
    per address would be no limit at all. "unknown" for anything that is not an address."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return "unknown"
    if parsed.version == 6:
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return str(parsed)


class TrustedProxyMiddleware:
    def __init__(self, get_response):
        self.trusted = parse_networks(getattr(settings, "TRUSTED_PROXIES", ()))
        if not self.trusted:
            raise MiddlewareNotUsed  # no proxy named: REMOTE_ADDR is the client
        self.get_response = get_response

    def __call__(self, request):
        meta = request.META
        meta[PEER_KEY] = meta.get("REMOTE_ADDR", "")
        meta["REMOTE_ADDR"] = client_address(meta, self.trusted)
        return self.get_response(request)
