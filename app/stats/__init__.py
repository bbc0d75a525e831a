"""Statistics of business done at points, by grid workers and by mobile teams, read from
the rollups kept at ingest."""
