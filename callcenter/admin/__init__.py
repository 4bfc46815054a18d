"""Administration of the directory: users (roles, skills), seats (SIP phones), queues and pause reasons."""
