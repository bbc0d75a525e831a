"""Flag review: the queue of flagged register records and supervisors' reviews of them."""
