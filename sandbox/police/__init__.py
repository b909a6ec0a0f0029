"""Police sandbox: a force records system's research API in POLE style."""
