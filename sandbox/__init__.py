"""Agency sandboxes: real HTTP servers speaking each agency's native format over a synthetic population."""
