"""IVR: call flows served over FastAGI. For now one fixed inbound flow (the menu engine comes next)."""
