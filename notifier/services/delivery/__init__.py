"""Turning a message into sent email: fan-out, composing, sending, receipts, the sweeper, one-person sends."""
