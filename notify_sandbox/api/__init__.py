"""The Notify v2 API the real client talks to: its routes, authentication and JSON shapes."""
