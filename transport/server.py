"""The matcher's gRPC server: mutual TLS, identity interceptor, thin servicers, health, reflection.

    server = serve(data_dir, port=0, cert=..., key=...)   # server.port is the bound port
    server.wait() / server.stop()

Services: Uploads, Runs, Disclosure and Governance (catalogue, agreements, key relay, warnings,
audit, the office's certificates and CRL), beside health and reflection.
DATA_DIR holds everything the matcher keeps: governance.sqlite (agreements, audit log),
uploads/, datasets/, runs/, disclosures/. Nothing in it is plaintext identity data or key
material of the departments; the matcher never holds the linkage secret.
"""

from __future__ import annotations

import logging
import threading
from concurrent import futures
from dataclasses import dataclass, field
from pathlib import Path

import grpc
from cryptography.hazmat.primitives import serialization
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from governance import pki
from governance.store import DB_FILE, GovernanceStore
from pprl.errors import GovernanceError, TransportError
from transport.generated import (
    disclosure_pb2,
    disclosure_pb2_grpc,
    governance_pb2,
    governance_pb2_grpc,
    runs_pb2,
    runs_pb2_grpc,
    uploads_pb2,
    uploads_pb2_grpc,
)
from transport.identity import StoreIdentities
from transport.interceptor import EngineInterceptor
from transport.limits import Limits
from transport.relay import DisclosureRelay
from transport.runs import RunManager
from transport.servicer_governance import GovernanceServicer
from transport.servicers import DisclosureServicer, Matcher, RunsServicer, UploadsServicer
from transport.uploads import UploadStore

log = logging.getLogger("pprl.transport")
DEFAULT_LIMITS = Limits()

SERVICE_NAMES = (
    uploads_pb2.DESCRIPTOR.services_by_name["Uploads"].full_name,
    runs_pb2.DESCRIPTOR.services_by_name["Runs"].full_name,
    disclosure_pb2.DESCRIPTOR.services_by_name["Disclosure"].full_name,
    governance_pb2.DESCRIPTOR.services_by_name["Governance"].full_name,
)


class _LockedStore:
    """The governance store with one lock around each call (gRPC runs handlers in threads)."""

    def __init__(self, store: GovernanceStore) -> None:
        self._store = store
        self._lock = threading.RLock()

    def __getattr__(self, name: str):
        attr = getattr(self._store, name)
        if not callable(attr):
            return attr

        def locked(*args, **kwargs):
            with self._lock:
                return attr(*args, **kwargs)

        return locked


@dataclass
class MatcherServer:
    port: int
    grpc_server: grpc.Server
    runs: RunManager
    store: GovernanceStore
    health: health.HealthServicer
    resumed_runs: list[str] = field(default_factory=list)

    def wait(self) -> None:
        self.grpc_server.wait_for_termination()

    def stop(self, grace: float | None = 1.0) -> None:
        self.health.enter_graceful_shutdown()  # health checks answer NOT_SERVING from now on
        self.runs.stop()
        self.grpc_server.stop(grace).wait()
        self.store.close()


def server_credentials(
    cert: str | Path, key: str | Path, ca_pem: bytes, key_passphrase: bytes | None
) -> grpc.ServerCredentials:
    return grpc.ssl_server_credentials(
        [(pki.tls_private_key_pem(key, key_passphrase), Path(cert).read_bytes())],
        root_certificates=ca_pem,
        require_client_auth=True,
    )


def serve(
    data_dir: str | Path,
    port: int = 0,
    *,
    cert: str | Path,
    key: str | Path,
    key_passphrase: bytes | None = None,
    host: str = "127.0.0.1",
    limits: Limits = DEFAULT_LIMITS,
    run_parallelism: int = 1,
) -> MatcherServer:
    """Start the matcher on host:port (0 = a free port); return it with its bound port.

    The CA is the one the governance store in DATA_DIR trusts: only certificates it issued
    complete the TLS handshake, and only registered, unrevoked ones get past the interceptor.
    """
    data_dir = Path(data_dir)
    if not (data_dir / DB_FILE).exists():
        raise GovernanceError(
            f"no governance database in {data_dir}; set it up with `pprl pki init --data-dir "
            f"{data_dir}` (and register departments and agreements) first"
        )
    store = GovernanceStore(data_dir / DB_FILE)
    ca_pem = store.ca_certificate().public_bytes(serialization.Encoding.PEM)
    governance = _LockedStore(store)
    runs = RunManager(data_dir, parallel=run_parallelism, max_pairs=limits.max_result_pairs)
    matcher = Matcher(
        governance=governance,
        uploads=UploadStore(data_dir, limits),
        runs=runs,
        relay=DisclosureRelay(data_dir),
        data_dir=data_dir,
        limits=limits,
    )
    interceptor = EngineInterceptor(
        StoreIdentities(governance),
        lambda actor, action, details: governance.audit(actor, action, None, details),
        limits,
    )
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=limits.rpc_workers, thread_name_prefix="rpc"),
        interceptors=[interceptor],
        options=[
            ("grpc.max_receive_message_length", limits.max_message_bytes),
            ("grpc.max_send_message_length", limits.max_message_bytes),
            ("grpc.so_reuseport", 0),  # a second matcher on the same port must fail, not share it
        ],
    )
    uploads_pb2_grpc.add_UploadsServicer_to_server(UploadsServicer(matcher), server)
    runs_pb2_grpc.add_RunsServicer_to_server(RunsServicer(matcher), server)
    disclosure_pb2_grpc.add_DisclosureServicer_to_server(DisclosureServicer(matcher), server)
    governance_pb2_grpc.add_GovernanceServicer_to_server(GovernanceServicer(matcher), server)
    health_servicer = health.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    for name in ("", *SERVICE_NAMES):
        health_servicer.set(name, health_pb2.HealthCheckResponse.SERVING)
    reflection.enable_server_reflection(
        (*SERVICE_NAMES, health.SERVICE_NAME, reflection.SERVICE_NAME), server
    )
    try:
        bound = server.add_secure_port(
            f"{host}:{port}", server_credentials(cert, key, ca_pem, key_passphrase)
        )
    except RuntimeError:
        bound = 0
    if bound == 0:
        store.close()
        raise TransportError(f"cannot listen on {host}:{port} (in use or not allowed)")
    server.start()
    resumed = runs.start()
    if resumed:
        log.info("resumed %d unfinished run(s): %s", len(resumed), ", ".join(resumed))
    return MatcherServer(bound, server, runs, store, health_servicer, resumed)
