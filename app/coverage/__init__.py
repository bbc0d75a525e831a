"""Coverage of villages by service points: figures per region, village statuses,
siting suggestions (API), vector tiles (/tiles) and OGC API - Features (/ogc)."""
