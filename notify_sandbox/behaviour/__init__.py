"""What Notify does with a request and afterwards: request checks, limits, sending, the status
lifecycle and callbacks, injected faults, and the running sandbox that holds them together."""
