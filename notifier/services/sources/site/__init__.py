"""A network's site as notifier knows it: its page list, its connection, its known pages."""
