"""ACD: seats (SIP phones), queues and skills on app_queue, pause reasons, the agent state machine."""
