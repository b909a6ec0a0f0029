"""What every agency sandbox shares: HTTP plumbing, auth gateways, TLS, faults, async replies, storage."""
