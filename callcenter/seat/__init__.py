"""Seat discipline: away-from-desk episodes (the 20-minute rule), leave-seat consent (docs/seat-discipline.md)."""
