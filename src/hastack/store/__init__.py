"""Where cluster data lives. Until the etcd runtime exists: files in a local state directory."""
