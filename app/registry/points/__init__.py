"""Service points (助农服务点): the registry record, its status and its history."""
