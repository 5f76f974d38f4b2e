"""Errors that carry the HTTP status a caller should see and a message a person can act on."""

from __future__ import annotations


class DomainError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidFrame(DomainError):
    status = 422
    code = "invalid_frame"


class FrameTooLarge(DomainError):
    status = 413
    code = "frame_too_large"


class Unauthenticated(DomainError):
    status = 401
    code = "unauthenticated"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"


class TrainingRequired(Forbidden):
    """Policy 418.4(d): no ALPR data, and no action on it, without a recorded completion of training."""

    code = "training_required"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Conflict(DomainError):
    status = 409
    code = "conflict"
