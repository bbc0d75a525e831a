"""What every feature shares: domain errors, field types, paging, scoped look-ups, the
business clock and geometry. Nothing here knows about a request: services built on it
run the same from a view, the command line, a test or a background job."""
