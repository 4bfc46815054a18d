"""The supervisor wallboard: live queue and agent figures, alerts, supervisor actions."""
