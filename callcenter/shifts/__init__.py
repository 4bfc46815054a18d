"""Shifts: templates, public holidays, the roster, attendance (late/absence/early leave/early arrival), the
handover log, shift swaps, leave requests with approval levels, and the monthly/daily reports."""
