"""Authentication, request parsing, error mapping and the audit of every call, in one place.

Every method of the engine's services (package `pprl.v1`) is wrapped so that, before any
servicer code runs:
- the caller is identified from the peer certificate that mutual TLS verified, checked again
  against the CA and its revocation list (UNAUTHENTICATED otherwise, with no reason given);
- request bytes are parsed here rather than by gRPC, so garbage gets INVALID_ARGUMENT (gRPC's
  own deserialisation failure would be reported as INTERNAL);
- a stream takes one of the caller's stream slots, or is refused with RESOURCE_EXHAUSTED, and
  a client stream idle for too long is closed (`transport.streams`);
and afterwards engine errors become status codes (`statuses.status_for`) and the call is
written to the audit log with its outcome. Servicers read the caller as `context.caller`.
Standard services (health, reflection) pass through untouched but for the stream bounds on
their client streams (reflection's); mutual TLS still applies.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterator

import grpc

from pprl.errors import LimitExceeded, PprlError
from transport.identity import Caller, StoreIdentities
from transport.limits import Limits
from transport.statuses import status_for
from transport.streams import IdleGuard, StreamSlots, caller_key

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
    def __init__(
        self, checker: StoreIdentities, audit: AuditSink, limits: Limits | None = None
    ) -> None:
        limits = limits or Limits()
        self._checker = checker
        self._audit = audit
        self.slots = StreamSlots(limits.max_streams_per_caller, limits.max_streams)
        self.idle_seconds = limits.stream_idle_seconds

    def intercept_service(self, continuation, handler_call_details):
        handler = continuation(handler_call_details)
        method = handler_call_details.method
        if handler is None:
            return handler
        if not method.startswith(ENGINE_PREFIX):
            if handler.request_streaming and handler.response_streaming:
                return self._bounded_standard(handler)
            return handler  # health's Watch holds no worker while it waits (non-blocking)
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

    def _bounded_standard(self, handler):
        """A standard service's bidirectional stream (reflection), under the stream bounds."""

        def bounded(request_iterator, context):
            key = caller_key(context)
            try:
                self.slots.acquire(key)
            except LimitExceeded as error:
                context.abort(grpc.StatusCode.RESOURCE_EXHAUSTED, str(error))
            guard = IdleGuard(request_iterator, self.idle_seconds)
            try:
                yield from handler.stream_stream(iter(guard), context)
            except LimitExceeded as error:
                context.abort(grpc.StatusCode.RESOURCE_EXHAUSTED, str(error))
            finally:
                guard.close()
                self.slots.release(key)

        return grpc.stream_stream_rpc_method_handler(
            bounded,
            request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer,
        )

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

    def _slot(self, caller: Caller, context, started: float) -> str:
        """Take one of the caller's stream slots (refused, and audited, when none is free)."""
        key = caller_key(context)
        try:
            self.owner.slots.acquire(key)
        except LimitExceeded as error:
            self._fail(caller, context, error, started)
        return key

    def unary_stream(self, raw: bytes, context) -> Iterator:
        started = time.monotonic()
        caller = self.owner.authenticate(context, self.method, started)
        request = self._parse(raw, context)
        key = self._slot(caller, context, started)
        try:
            yield from self.behavior(request, CallContext(context, caller))
        except PprlError as error:
            self._fail(caller, context, error, started)
        finally:
            self.owner.slots.release(key)
        self.owner.audit(caller.identity, self.method, grpc.StatusCode.OK, started)

    def stream_unary(self, raw_iterator: Iterator[bytes], context):
        started = time.monotonic()
        caller = self.owner.authenticate(context, self.method, started)
        key = self._slot(caller, context, started)
        guard = IdleGuard(raw_iterator, self.owner.idle_seconds)
        requests = (self._parse(raw, context) for raw in guard)
        try:
            response = self.behavior(requests, CallContext(context, caller))
        except PprlError as error:
            self._fail(caller, context, error, started)
        finally:
            guard.close()
            self.owner.slots.release(key)
        self.owner.audit(caller.identity, self.method, grpc.StatusCode.OK, started)
        return response
