"""Quality control (质检): the monthly sample of each agent's recorded calls, QC forms and locked scores with
versions, the agent's acknowledgement or dispute, and the monthly/weekly QC reports. See docs/qc.md."""
