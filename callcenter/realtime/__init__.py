"""The one notifier that owns everything sent to browsers (topics, per-client send queues)."""
