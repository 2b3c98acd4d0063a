"""How actions reach the platform: signed webhooks delivered from the outbox table."""

from interdictor.actions.outbox import DeliveryStats, Dispatcher
from interdictor.actions.signing import SignatureError, sign, verify

__all__ = ["DeliveryStats", "Dispatcher", "SignatureError", "sign", "verify"]
