"""The directory: seats (SIP phones), queues, agents' skills and pause reasons — what the admin page edits and the
ACD, the IVR, the wallboard and the Asterisk configuration read."""
