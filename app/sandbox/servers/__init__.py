"""The demo dealership's simulated systems: DMS, CRM (+ SMTP lead inbox), website feed
receiver and marketing platform, as real HTTP servers on 127.0.0.1.

    with SandboxServers(build_dataset(customers=200, seed=42), faults="error_rate=0.1") as s:
        dms = s.servers["dms"]          # ServerInfo(name, url, credentials)

Faults: see ``faults``; per-server APIs: ``dms``, ``crm``, ``website``, ``marketing``;
inspection routes: ``service``.
"""

from app.sandbox.servers.dataset import DatasetLike
from app.sandbox.servers.errors import SandboxError
from app.sandbox.servers.faults import FaultSettings, FaultSpec
from app.sandbox.servers.runner import SandboxServers, ServerInfo, serve_forever, write_port_file

__all__ = [
    "DatasetLike",
    "FaultSettings",
    "FaultSpec",
    "SandboxError",
    "SandboxServers",
    "ServerInfo",
    "serve_forever",
    "write_port_file",
]
