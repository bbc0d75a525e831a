"""Files out of the system: the ledger and the statistics as CSV and XLSX, each export
written to the audit log."""
