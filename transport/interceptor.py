"""Authentication, request parsing, error mapping and the audit of every call, in one place.

Every method of the engine's services (package `pprl.v1`) is wrapped so that, before any
servicer code runs:
- the caller is identified from the peer certificate that mutual TLS verified, checked again
  against the CA and its revocation list (UNAUTHENTICATED otherwise, with no reason given);
- request bytes are parsed here rather than by gRPC, so garbage gets INVALID_ARGUMENT (gRPC's
  own deserialisation failure would be reported as INTERNAL);
and afterwards engine errors become status codes (`statuses.status_for`) and the call is
written to the audit log with its outcome. Servicers read the caller as `context.caller`.
Standard services (health, reflection) pass through untouched; mutual TLS still applies.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterator

import grpc

from pprl.errors import PprlError
from transport.identity import Caller, StoreIdentities
from transport.statuses import status_for

ENGINE_PREFIX = "/pprl.v1."
log = logging.getLogger("pprl.transport")
# One JSON line per call: caller, method, status, duration. Never a request's contents (no
# token, signature, secret or record), so the access log can go anywhere the operator likes.
access_log = logging.getLogger("pprl.access")

AuditSink = Callable[[object, str, dict], None]  # (actor code or pki.Identity, action, details)


class CallContext:
    """The gRPC context plus the authenticated caller."""

    def __init__(self, context: grpc.ServicerContext, caller: Caller) -> None:
        self._context = context
        self.caller = caller

    def __getattr__(self, name: str):
        return getattr(self._context, name)


class EngineInterceptor(grpc.ServerInterceptor):
    def __init__(self, checker: StoreIdentities, audit: AuditSink) -> None:
        self._checker = checker
        self._audit = audit

    def intercept_service(self, continuation, handler_call_details):
        handler = continuation(handler_call_details)
        method = handler_call_details.method
        if handler is None or not method.startswith(ENGINE_PREFIX):
            return handler
        call = _Call(self, method, handler)
        if handler.request_streaming and not handler.response_streaming:
            return grpc.stream_unary_rpc_method_handler(
                call.stream_unary, response_serializer=handler.response_serializer
            )
        if handler.response_streaming and not handler.request_streaming:
            return grpc.unary_stream_rpc_method_handler(
                call.unary_stream, response_serializer=handler.response_serializer
            )
        if not handler.request_streaming:
            return grpc.unary_unary_rpc_method_handler(
                call.unary_unary, response_serializer=handler.response_serializer
            )
        raise NotImplementedError("bidirectional streams are not used by the engine")

    def authenticate(self, context: grpc.ServicerContext, method: str, started: float) -> Caller:
        certs = context.auth_context().get("x509_pem_cert") or []
        try:
            if not certs:
                raise PprlError("no certificate")
            return self._checker.caller(certs[0])
        except PprlError:
            self.audit("unauthenticated", method, grpc.StatusCode.UNAUTHENTICATED, started)
            context.abort(grpc.StatusCode.UNAUTHENTICATED, "unauthenticated")
            raise  # unreachable: abort raises

    def audit(self, actor, method: str, code: grpc.StatusCode, started: float) -> None:
        access_log.info(
            json.dumps(
                {
                    "caller": getattr(actor, "department", str(actor)),
                    "method": method,
                    "status": code.name,
                    "ms": round((time.monotonic() - started) * 1000, 1),
                },
                sort_keys=True,
            )
        )
        try:
            self._audit(
                actor, f"rpc:{method.rsplit('/', 1)[-1]}", {"method": method, "status": code.name}
            )
        except Exception:  # an audit failure must be visible, never silent
            log.exception("audit write failed for %s", method)
            raise


class _Call:
    """Wrappers for one method: parse, authenticate, run, map errors, audit."""

    def __init__(self, owner: EngineInterceptor, method: str, handler) -> None:
        self.owner = owner
        self.method = method
        self.parse = handler.request_deserializer
        self.behavior = handler.unary_unary or handler.unary_stream or handler.stream_unary

    def _parse(self, raw: bytes, context) -> object:
        try:
            return self.parse(raw)
        except Exception:
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, "malformed request message")

    def _fail(self, caller: Caller, context, error: PprlError, started: float):
        code = status_for(error)
        self.owner.audit(caller.identity, self.method, code, started)
        context.abort(code, str(error))

    def unary_unary(self, raw: bytes, context):
        started = time.monotonic()
        caller = self.owner.authenticate(context, self.method, started)
        request = self._parse(raw, context)
        try:
            response = self.behavior(request, CallContext(context, caller))
        except PprlError as error:
            self._fail(caller, context, error, started)
        self.owner.audit(caller.identity, self.method, grpc.StatusCode.OK, started)
        return response

    def unary_stream(self, raw: bytes, context) -> Iterator:
        started = time.monotonic()
        caller = self.owner.authenticate(context, self.method, started)
        request = self._parse(raw, context)
        try:
            yield from self.behavior(request, CallContext(context, caller))
        except PprlError as error:
            self._fail(caller, context, error, started)
        self.owner.audit(caller.identity, self.method, grpc.StatusCode.OK, started)

    def stream_unary(self, raw_iterator: Iterator[bytes], context):
        started = time.monotonic()
        caller = self.owner.authenticate(context, self.method, started)
        requests = (self._parse(raw, context) for raw in raw_iterator)
        try:
            response = self.behavior(requests, CallContext(context, caller))
        except PprlError as error:
            self._fail(caller, context, error, started)
        self.owner.audit(caller.identity, self.method, grpc.StatusCode.OK, started)
        return response
