"""Call recording: every queue call that reaches an agent is recorded, indexed when it ends, checked."""
